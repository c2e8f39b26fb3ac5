package platformsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

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
	if !jsonContent(r.Header.Get("Content-Type")) {
		return simFail(http.StatusBadRequest, platform.CodeContentType, "请求类型应为application/json / Content-Type must be application/json (UTF-8)")
	}
	var app application.Application
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&app); err != nil {
		if f, ok := unknownField(err); ok {
			return simFail(http.StatusBadRequest, platform.CodeUnknownField, fmt.Sprintf("未定义的字段 %q / unknown field %q", f, f))
		}
		return simFail(http.StatusBadRequest, platform.CodeBadRequest, "申请不是有效的JSON / body is not a valid JSON application")
	}
	if dec.More() {
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
		if appDigest(c.app) != appDigest(app) {
			s.log.Info("sim refused reused request_id", "request_id", app.RequestID, "case", c.receipt.CaseNumber)
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
	c := newSimCase(app, number, now, s.trackURL(r, number), platform.StatusAccepted, now)
	cs := []*simCase{c}
	for i, m := range members {
		mapp := app
		mapp.RequestID = fmt.Sprintf("%s#%d", app.RequestID, i+1)
		mapp.ItemCode, mapp.ItemName = m.Code, m.Name
		mapp.Fields = maps.Clone(app.Fields)
		mnum := fmt.Sprintf("%s%s%06d", s.prefix, day, first+i+1)
		cs = append(cs, newSimCase(mapp, mnum, now, s.trackURL(r, mnum), platform.StatusAccepted, now))
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

// appDigest is the SM3 hash of the whole application as canonical JSON
// (map keys sorted, times in UTC): a resend of the same application has
// the same digest, anything else under the same request_id does not.
func appDigest(app application.Application) [32]byte {
	app.SubmittedAt = app.SubmittedAt.UTC()
	raw, err := json.Marshal(app)
	if err != nil {
		return [32]byte{} // cannot happen for a decoded application
	}
	return sm3.Sum(raw)
}

// newSimCase makes a case received at with status code since updated.
func newSimCase(app application.Application, number string, at time.Time, track string, code int, updated time.Time) *simCase {
	return &simCase{
		app: app,
		receipt: application.Receipt{
			RequestID:  app.RequestID,
			CaseNumber: number,
			Status:     statusText(platform.StatusAccepted),
			AcceptedAt: at,
			TrackURL:   track,
		},
		status: platform.CaseStatus{
			CaseNumber: number,
			ItemCode:   app.ItemCode,
			ItemName:   app.ItemName,
			Code:       code,
			Status:     statusText(code),
			AcceptedAt: at,
			UpdatedAt:  updated,
		},
	}
}

// statusText is the platform's Chinese name of a case status code, as its
// answers carry it, or "" for an unknown code.
func statusText(code int) string {
	switch code {
	case platform.StatusWaiting:
		return "待受理"
	case platform.StatusAccepted:
		return "已受理"
	case platform.StatusDone:
		return "已办结"
	case platform.StatusProcessing:
		return "办理中"
	}
	return ""
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
	case app.Applicant.IDType == "":
		return missing("缺少申请人证件类型 / missing applicant id_type")
	case checkHolderNumber(app.Applicant.IDType, app.Applicant.Number) != "":
		return missing(checkHolderNumber(app.Applicant.IDType, app.Applicant.Number))
	case strings.TrimSpace(app.Applicant.Name) == "":
		return missing("缺少申请人姓名 / missing applicant name")
	case s.checkLicences(app) != "":
		return missing("电子证照引用无效：" + s.checkLicences(app) + " / a licence reference is not one of the applicant's e-licences")
	case app.Province != s.province:
		return simFail(http.StatusBadRequest, platform.CodeWrongProvince,
			fmt.Sprintf("申请不属于本平台（%s） / application for province %q sent to platform %s", s.province, app.Province, s.province)), true
	}
	it, known := s.findItem(app.ItemCode)
	switch {
	case !known:
		return simFail(http.StatusUnprocessableEntity, platform.CodeUnknownItem, "未知的事项实施编码 / item_code is in no catalogue of this platform"), true
	case it.Province != "" && it.Province != s.province:
		return simFail(http.StatusBadRequest, platform.CodeWrongProvince,
			fmt.Sprintf("事项由%s平台办理 / item is handled by the platform of province %s, not %s", it.Province, it.Province, s.province)), true
	case !it.Accepts(applicantKind(app.Applicant.IDType)):
		return simFail(http.StatusUnprocessableEntity, platform.CodeWrongApplicant,
			fmt.Sprintf("该事项不受理此类申请人 / item is not for applicants of id_type %s", app.Applicant.IDType)), true
	}
	return simAnswer{}, false
}

// applicantKind is the kind of applicant an id_type names: 001 (统一社会信用代码)
// an enterprise, every other a person.
func applicantKind(idType string) catalog.ApplicantKind {
	if idType == "001" {
		return catalog.LegalPerson
	}
	return catalog.NaturalPerson
}

// findItem looks code up in the simulator's catalogue, then in the
// kiosk's built-in one (the items every kiosk can offer offline).
func (s *Sim) findItem(code string) (catalog.Item, bool) {
	if it, ok := s.catalog.Find(code); ok {
		return it, true
	}
	return builtinItems.Find(code)
}

// builtinItems is the kiosk's built-in catalogue.
var builtinItems = catalog.Builtin()

// jsonContent reports whether a Content-Type is application/json, in
// UTF-8 when it names a charset.
func jsonContent(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}

// unknownField returns the name of the field a DisallowUnknownFields
// decoder refused.
func unknownField(err error) (string, bool) {
	const prefix = "json: unknown field "
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) {
		return "", false
	}
	f, uerr := strconv.Unquote(strings.TrimPrefix(msg, prefix))
	return f, uerr == nil
}

// checkHolderNumber says (Chinese / English, without the number) why
// number is not a valid number of the GA/T 2000.156 document type idType,
// or returns "".
func checkHolderNumber(idType, number string) string {
	var err error
	switch idType {
	case "111", "154": // 居民身份证, 居住证: GB 11643
		err = identity.ValidateNumber(number)
	case "553": // 外国人永久居留身份证, 2017 or 2023
		if identity.ValidateForeignPR2017(number) != nil {
			err = identity.ValidateForeignPR2023(number)
		}
	case "001": // 统一社会信用代码: GB 32100
		err = identity.ValidateUSCC(number)
	default:
		return fmt.Sprintf("未知的证件类型 %q / unknown applicant id_type %q (GA/T 2000.156: 111, 154, 553 or 001)", idType, idType)
	}
	if err != nil {
		// The check's own words name the rule broken, never the number.
		return fmt.Sprintf("申请人证件号码无效 / applicant id_number is not valid for id_type %s: %s", idType, strings.TrimPrefix(err.Error(), "identity: "))
	}
	return ""
}

// trackURL is where the receipt's QR code points: this simulator's own
// track page under its public URL (WithPublicURL), or else under the
// address the request arrived on. The request's Host header is never
// used: it is not signed, and the receipt is.
func (s *Sim) trackURL(r *http.Request, number string) string {
	base := s.publicURL
	if base == "" {
		base = "http://localhost"
		if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			scheme := "http"
			if r.TLS != nil {
				scheme = "https"
			}
			base = scheme + "://" + a.String()
		}
	}
	return strings.TrimRight(base, "/") + "/track/" + number
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

// track is the page a citizen's phone opens from the receipt's QR code:
// public, so it shows only what the platform itself made (case number,
// status, time) and the item's name from its own catalogue, never text
// the kiosk sent, which could carry personal data.
func (s *Sim) track(r *http.Request) simAnswer {
	st, found := s.lookup(r.PathValue("number"))
	if !found {
		return simAnswer{status: http.StatusNotFound, text: "未找到该办件 / case not found\n"}
	}
	return s.trackPage(st)
}

// trackPage is the public page of a case.
func (s *Sim) trackPage(st platform.CaseStatus) simAnswer {
	item := "（未登记事项）"
	if it, ok := s.findItem(st.ItemCode); ok {
		item = it.Name
	}
	return simAnswer{status: http.StatusOK, text: fmt.Sprintf("办件编号 %s\n事项 %s\n状态 %s\n受理时间 %s\n",
		st.CaseNumber, item, st.Status, st.AcceptedAt.In(chinaTime).Format("2006-01-02 15:04"))}
}

// requestStatus answers a lookup by the kiosk's request_id: the case the
// application made, once it has reached the platform.
func (s *Sim) requestStatus(r *http.Request) simAnswer {
	st, found := s.lookupRequest(r.PathValue("request_id"))
	if !found {
		return simFail(http.StatusNotFound, platform.CodeNotFound, "尚未收到该申请 / no application with this request_id (yet)")
	}
	return simOK(http.StatusOK, st)
}

// trackRequest is the page a phone opens from an offline receipt's QR
// code (keyed by request_id): the case's page once the application has
// arrived, else a plain word that it has not, yet.
func (s *Sim) trackRequest(r *http.Request) simAnswer {
	st, found := s.lookupRequest(r.PathValue("request_id"))
	if !found {
		return simAnswer{status: http.StatusNotFound, text: "该申请尚未到达政务服务平台：它保存在自助终端上，联网后自动提交，请稍后再查询。\n" +
			"Not received yet: the application is kept on the kiosk and sent when it is back online.\n"}
	}
	return s.trackPage(st)
}

// lookupRequest finds the case of the application with request_id.
func (s *Sim) lookupRequest(id string) (platform.CaseStatus, bool) {
	if !platform.ValidRequestID(id) {
		return platform.CaseStatus{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, found := s.byKey[id]
	if !found {
		return platform.CaseStatus{}, false
	}
	return s.effective(c, s.now()), true
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
