package platform

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// ChannelKiosk is the 好差评 channel of a self-service kiosk (评价渠道
// 自助终端; code 5 政务大厅其他终端 in the national exchange).
const ChannelKiosk = "自助终端"

// Evaluation is one 好差评 rating of a case. Grade follows GB/T 39046 A.8:
// 1 非常满意, 2 满意, 3 基本满意, 4 不满意, 5 非常不满意. It carries no
// personal data.
type Evaluation struct {
	CaseNumber  string    `json:"case_number"`
	Grade       int       `json:"grade"`
	Channel     string    `json:"channel"`
	GradeText   string    `json:"grade_text,omitempty"`  // set by the platform
	EvaluatedAt time.Time `json:"evaluated_at,omitzero"` // set by the platform
}

// GradeText returns the Chinese name of a 好差评 grade (GB/T 39046 A.8
// order), or "" for a grade outside 1..5.
func GradeText(grade int) string {
	names := [...]string{"非常满意", "满意", "基本满意", "不满意", "非常不满意"}
	if grade < 1 || grade > len(names) {
		return ""
	}
	return names[grade-1]
}

// Evaluate sends a 好差评 rating of a case to the platform of province
// (POST {base}/api/v1/evaluations) with the channel 自助终端. grade is 1
// 非常满意 … 5 非常不满意. Rating a case again replaces the rating. An
// unknown case gives an error wrapping ErrNotFound. It implements the
// kiosk runtime's Evaluator.
func (c *Client) Evaluate(ctx context.Context, province, caseNumber string, grade int) error {
	if GradeText(grade) == "" {
		return fmt.Errorf("platform: evaluate %s: grade %d outside 1..5", caseNumber, grade)
	}
	if !validCaseNumber(caseNumber) {
		return fmt.Errorf("platform: evaluate: invalid case number %q", caseNumber)
	}
	body, err := json.Marshal(Evaluation{CaseNumber: caseNumber, Grade: grade, Channel: ChannelKiosk})
	if err != nil {
		return fmt.Errorf("platform: evaluate %s: %w", caseNumber, err)
	}
	ans, err := c.roundTrip(ctx, request{op: "evaluate", province: province, method: http.MethodPost,
		path: []string{"api", "v1", "evaluations"}, body: body})
	if err != nil {
		return err
	}
	if err := ans.class(); err != nil {
		return err
	}
	c.log.Debug("platform rating delivered", "province", province, "case", caseNumber, "grade", grade)
	return nil
}
