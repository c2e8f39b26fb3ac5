package platformsim

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/identity"
)

// submit accepts an application.
func (s *Sim) submit(r *http.Request) simAnswer {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxApplication+1))
	if err != nil {
		return simFail(http.StatusBadRequest, platform.CodeBadRequest, "请求读取失败 / cannot read the request body")
	}
	if len(raw) > maxApplication {
		return simFail(http.StatusRequestEntityTooLarge, platform.CodeTooLarge, "申请过大 / application too large")
	}
	var app application.Application
	if err := json.Unmarshal(raw, &app); err != nil {
		return simFail(http.StatusBadRequest, platform.CodeBadRequest, "申请不是有效的JSON / body is not a valid JSON application")
	}
	if a, bad := s.validate(r, app); bad {
		s.log.Info("sim rejected application", "request_id", app.RequestID, "item", app.ItemCode, "reason", a.env.Message)
		return a
	}

	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, seen := s.byKey[app.RequestID]; seen {
		if c.app.ItemCode != app.ItemCode || c.app.Applicant.Number != app.Applicant.Number {
			return simFail(http.StatusUnprocessableEntity, platform.CodeKeyReused,
				"幂等键已用于另一申请 / idempotency key already used for a different application")
		}
		rc := c.receipt
		rc.Duplicate = true
		s.log.Info("sim duplicate application", "request_id", app.RequestID, "case", rc.CaseNumber)
		return simOK(http.StatusOK, rc)
	}
	var members []catalog.Item
	if it, ok := s.catalog.Find(app.ItemCode); ok {
		for _, code := range it.Bundle {
			if m, ok := s.catalog.Find(code); ok {
				members = append(members, m)
			}
		}
	}
	day := now.In(chinaTime).Format("20060102")
	first := s.seq[day] + 1
	last := first + len(members)
	if last > 999999 {
		return simFail(http.StatusServiceUnavailable, platform.CodeUnavailable, "今日办件编号已用尽 / case numbers for today exhausted")
	}
	number := fmt.Sprintf("%s%s%06d", s.prefix, day, first)
	c := newSimCase(app, number, now, trackURL(r, number), platform.StatusAccepted, now)
	cs := []*simCase{c}
	for i, m := range members {
		mapp := app
		mapp.RequestID = fmt.Sprintf("%s#%d", app.RequestID, i+1)
		mapp.ItemCode, mapp.ItemName = m.Code, m.Name
		mapp.Fields = maps.Clone(app.Fields)
		mnum := fmt.Sprintf("%s%s%06d", s.prefix, day, first+i+1)
		cs = append(cs, newSimCase(mapp, mnum, now, trackURL(r, mnum), platform.StatusAccepted, now))
		c.receipt.Linked = append(c.receipt.Linked, mnum)
	}
	if s.store != nil {
		if err := s.store.insert(cs, day, last); err != nil {
			s.log.Error("sim cannot store case", "request_id", app.RequestID, "err", err)
			return simFail(http.StatusInternalServerError, platform.CodeInternal, "办件存储失败 / cannot store the case")
		}
	}
	s.seq[day] = last
	for _, x := range cs {
		s.cases = append(s.cases, x)
		s.byKey[x.app.RequestID] = x
		s.byNumber[x.receipt.CaseNumber] = x
	}
	s.log.Info("sim accepted application", "request_id", app.RequestID, "case", number, "item", app.ItemCode,
		"linked", len(members), "applicant", identity.MaskNumber(app.Applicant.Number))
	return simOK(http.StatusCreated, c.receipt)
}

// newSimCase makes a case received at with status code since updated.
func newSimCase(app application.Application, number string, at time.Time, track string, code int, updated time.Time) *simCase {
	return &simCase{
		app: app,
		receipt: application.Receipt{
			RequestID:  app.RequestID,
			CaseNumber: number,
			Status:     platform.StatusText(platform.StatusAccepted),
			AcceptedAt: at,
			TrackURL:   track,
		},
		status: platform.CaseStatus{
			CaseNumber: number,
			ItemCode:   app.ItemCode,
			ItemName:   app.ItemName,
			Code:       code,
			Status:     platform.StatusText(code),
			AcceptedAt: at,
			UpdatedAt:  updated,
		},
	}
}

// validate checks the required data items of app; bad is true when the
// answer a must be sent instead of accepting.
func (s *Sim) validate(r *http.Request, app application.Application) (a simAnswer, bad bool) {
	missing := func(msg string) (simAnswer, bool) {
		return simFail(http.StatusBadRequest, platform.CodeMissingField, msg), true
	}
	switch key := r.Header.Get("Idempotency-Key"); {
	case strings.TrimSpace(app.RequestID) == "":
		return missing("缺少申请流水号 / missing request_id")
	case key != "" && key != app.RequestID:
		return missing("幂等键与申请流水号不一致 / Idempotency-Key does not match request_id")
	case strings.Contains(app.RequestID, "#"):
		return missing("申请流水号不能含# / request_id must not contain '#'")
	case strings.TrimSpace(app.ItemCode) == "":
		return missing("缺少事项实施编码 / missing item_code")
	case app.Applicant.IDType == foreignPRType && !slices.Contains([]int{15, 18}, utf8.RuneCountInString(app.Applicant.Number)):
		return missing("外国人永久居留身份证号码应为15位或18位 / applicant id_number must have 15 or 18 characters for id_type 553")
	case app.Applicant.IDType != foreignPRType && utf8.RuneCountInString(app.Applicant.Number) != 18:
		return missing("申请人证件号码应为18位 / applicant id_number must have 18 characters")
	case strings.TrimSpace(app.Applicant.Name) == "":
		return missing("缺少申请人姓名 / missing applicant name")
	case s.checkLicences(app) != "":
		return missing("电子证照引用无效：" + s.checkLicences(app) + " / a licence reference is not one of the applicant's e-licences")
	case app.Province != s.province:
		return simFail(http.StatusBadRequest, platform.CodeWrongProvince,
			fmt.Sprintf("申请不属于本平台（%s） / application for province %q sent to platform %s", s.province, app.Province, s.province)), true
	}
	return simAnswer{}, false
}

// foreignPRType is the id_type of a foreign permanent residence card
// (外国人永久居留身份证), whose number has 15 characters on the 2017 card
// and 18 on the 2023 one.
const foreignPRType = "553"

// trackURL is where the receipt's QR code points: this simulator's own
// track page.
func trackURL(r *http.Request, number string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/track/" + number
}

func (s *Sim) caseStatus(r *http.Request) simAnswer {
	st, found := s.lookup(r.PathValue("number"))
	if !found {
		return simFail(http.StatusNotFound, platform.CodeNotFound, "未找到该办件 / case not found")
	}
	return simOK(http.StatusOK, st)
}

func (s *Sim) health(*http.Request) simAnswer {
	name := "一体化政务服务平台（模拟）"
	switch s.province {
	case application.Sichuan:
		name = "四川省一体化政务服务平台（模拟）"
	case application.Chongqing:
		name = "重庆市渝快办平台（模拟）"
	}
	return simOK(http.StatusOK, platform.Health{Province: s.province, Name: name, Time: s.now()})
}

// track is the page a citizen's phone opens from the receipt's QR code. It
// shows no personal data.
func (s *Sim) track(r *http.Request) simAnswer {
	st, found := s.lookup(r.PathValue("number"))
	if !found {
		return simAnswer{status: http.StatusNotFound, text: "未找到该办件 / case not found\n"}
	}
	return simAnswer{status: http.StatusOK, text: fmt.Sprintf("办件编号 %s\n事项 %s\n状态 %s\n受理时间 %s\n",
		st.CaseNumber, st.ItemName, st.Status, st.AcceptedAt.In(chinaTime).Format("2006-01-02 15:04"))}
}

func (s *Sim) lookup(number string) (platform.CaseStatus, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, found := s.byNumber[number]
	if !found {
		return platform.CaseStatus{}, false
	}
	return s.effective(c, s.now()), true
}
