package platformsim

import (
	"encoding/json"
	"net/http"
	"strings"

	"sckiosk/kiosk/adapters/platform"
)

// evaluate answers POST /api/v1/evaluations.
func (s *Sim) evaluate(r *http.Request) simAnswer {
	var e platform.Evaluation
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 8<<10)).Decode(&e); err != nil {
		return simFail(http.StatusBadRequest, platform.CodeBadRequest, "请求格式错误 / malformed request")
	}
	switch {
	case platform.GradeText(e.Grade) == "":
		return simFail(http.StatusBadRequest, platform.CodeMissingField, "评价等级应为1至5 / grade must be 1 to 5")
	case strings.TrimSpace(e.Channel) == "":
		return simFail(http.StatusBadRequest, platform.CodeMissingField, "缺少评价渠道 / missing channel")
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byNumber[e.CaseNumber]; !ok {
		return simFail(http.StatusNotFound, platform.CodeNotFound, "未找到该办件 / case not found")
	}
	e.GradeText, e.EvaluatedAt = platform.GradeText(e.Grade), now
	if s.store != nil {
		if err := s.store.putEvaluation(e); err != nil {
			s.log.Error("sim cannot store rating", "case", e.CaseNumber, "err", err)
			return simFail(http.StatusInternalServerError, platform.CodeInternal, "评价存储失败 / cannot store the rating")
		}
	}
	if _, seen := s.evals[e.CaseNumber]; !seen {
		s.evalOrder = append(s.evalOrder, e.CaseNumber)
	}
	s.evals[e.CaseNumber] = e
	s.log.Info("sim rating received", "case", e.CaseNumber, "grade", e.Grade, "channel", e.Channel)
	return simOK(http.StatusOK, e)
}

// Evaluations returns every rating the simulator holds, in the order the
// cases were first rated.
func (s *Sim) Evaluations() []platform.Evaluation {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]platform.Evaluation, 0, len(s.evalOrder))
	for _, n := range s.evalOrder {
		out = append(out, s.evals[n])
	}
	return out
}

// listEvaluations answers GET /sim/evaluations (unsigned inspection
// endpoint, like /sim/cases).
func (s *Sim) listEvaluations(w http.ResponseWriter, _ *http.Request) {
	out := s.Evaluations()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(out)
}
