package session

import (
	"fmt"
	"maps"
	"strings"
	"time"
	"unicode/utf8"

	"sckiosk/devices/device"
	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/receipt"
)

// Plain Chinese messages the core puts on screen.
const (
	NoticeExpired       = "证件已过期，请使用有效证件或联系工作人员"
	NoticeBadCard       = "证件信息校验失败，请重新放置证件"
	NoticeVerifying     = "正在核验二维码，请稍候"
	NoticeCheckForm     = "请检查标红的内容"
	NoticeNeedConsent   = "请先阅读并勾选同意"
	ProblemSubmitFailed = "提交失败，您的申请没有保存，请联系工作人员"
)

// Next is the kiosk's transition function. It is pure: the same state and
// event always give the same result, and the given state is not changed
// (except that ending a visit zeroes the person's photo bytes).
func Next(s State, ev Event) (State, []Effect) {
	before := s.Screen
	var eff []Effect
	userAction := true
	switch e := ev.(type) {
	case Tick:
		userAction = false
		wasCounting := s.CountingDown()
		s.Now = e.Now
		if !s.Deadline.IsZero() && !s.Now.Before(s.Deadline) {
			s, eff = endVisit(s, WipeTimeout)
		} else {
			if !wasCounting && s.CountingDown() {
				return s, []Effect{Speak{Text: SpeechCountdown}}
			}
			return s, nil // only the clock moved
		}
	case ToggleElder:
		s.Elder = !s.Elder
		if s.Elder {
			eff = append(eff, Speak{Text: prompt(s.Screen)})
		}
	case Start:
		if s.Screen == Idle {
			s.Screen = Identifying
		}
	case Cancel:
		if s.Screen != Idle && s.Screen != Submitting {
			reason := WipeCancel
			if s.Screen == Done {
				reason = WipeDone
			}
			s, eff = endVisit(s, reason)
		}
	case Back:
		s, eff = back(s)
	case Continue:
		// Only the deadline moves, below.
	case CardRead:
		userAction = false
		s = s.countFor(device.IDCard, "reads")
		if s.Screen == TechMenu && s.Tech.Busy == TechReadCard {
			m := e.Person.Mask()
			e.Person.Wipe()
			s.Tech.Busy, s.Tech.Notice = "", msg.Verbatim("读卡自检通过："+m.Name+" "+m.Number)
			break
		}
		s, eff = identify(s, e.Person)
	case CodeVerified:
		userAction = false
		if s.Screen == Identifying {
			s, eff = identify(s, e.Person)
		}
	case CardRemoved:
		userAction = false
		switch {
		case s.Screen == Done && !s.Result.Printing && s.Result.PrintNotice.IsZero():
			s, eff = endVisit(s, WipeCardRemoved)
		case s.Config.EndOnCardRemoved && s.Person != nil && s.Person.Source == identity.SourceIDCard &&
			s.Screen != Submitting && s.Screen != Done:
			s, eff = endVisit(s, WipeCardRemoved)
		}
	case ReadFailed:
		userAction = false
		s = s.countFor(device.IDCard, "failures")
		if s.Screen == TechMenu && s.Tech.Busy == TechReadCard {
			s.Tech.Busy, s.Tech.Notice = "", msg.New(msg.TechReadFailed, e.Cause)
			break
		}
		if s.Screen == Idle || s.Screen == Identifying {
			s.Screen, s.Notice = Identifying, msg.New(msg.DeviceCause, e.Cause)
		}
	case CodeScanned:
		userAction = false
		s = s.countFor(device.Scanner, "codes")
		if s.Screen == TechMenu && s.Tech.Busy == TechScanCode {
			s.Tech.Busy, s.Tech.Notice = "", msg.Verbatim(fmt.Sprintf("扫码自检通过：收到一个二维码（%d 个字符）", len([]rune(e.Text))))
			break
		}
		if s.Screen == Idle || s.Screen == Identifying {
			s.Screen, s.Notice = Identifying, msg.Verbatim(NoticeVerifying)
			eff = append(eff, VerifyCode{Text: e.Text})
		}
	case CaseFound:
		userAction = false
		if s.Screen == Identifying && s.Person == nil {
			c := e.Case
			s.Case, s.Screen = &c, CaseView
		}
	case CodeRejected:
		userAction = false
		if s.Screen == Identifying {
			s.Notice = msg.Verbatim(e.Notice)
		}
	case PageTo:
		if s.Screen == ChooseItem {
			_, pages := s.ItemPage()
			s.Page = max(0, min(e.Page, pages-1))
		}
	case MoreCategories:
		if s.Screen == ChooseItem {
			s.CatPage++
		}
	case ChooseCategory:
		if s.Screen == ChooseItem {
			s.Category, s.Page = e.Category, 0
		}
	case ChooseItemEvent:
		if s.Screen == ChooseItem {
			if it, ok := s.Catalog.Find(e.Code); ok {
				if why := s.Unavailable(it); !why.IsZero() {
					s.Notice = msg.New(msg.ItemUnavailable, it.Name, why)
					break
				}
				s.Item, s.Screen = &it, ItemGuide
				s.Focus, s.Compose = "", ""
			}
		}
	case Proceed:
		s = proceed(s)
	case FocusField:
		switch {
		case s.Screen == ChooseItem && e.Key == SearchField:
			s.Focus, s.KeyMode, s.Compose, s.Page = SearchField, KeyPinyin, "", 0
		case s.Screen == ChooseItem && e.Key == "":
			s.Focus, s.Compose = "", ""
		case s.Screen == Form:
			if f, ok := s.field(e.Key); ok && !f.ReadOnly {
				s = s.focus(f)
			}
		}
	case SetField:
		if f, ok := s.field(e.Key); ok && s.Screen == Form && !f.ReadOnly {
			s = s.withValue(f, e.Value)
		}
	case TypeRune:
		s = typeRune(s, e.R)
	case PickCandidate:
		if s.Compose != "" || e.Text != "" {
			s = s.appendText(e.Text)
			s.Compose = ""
		}
	case SetKeyMode:
		s.KeyMode, s.Compose = e.Mode, ""
	case Backspace:
		if s.Compose != "" {
			s.Compose = s.Compose[:len(s.Compose)-1]
			break
		}
		if t, ok := s.target(); ok {
			_, size := utf8.DecodeLastRuneInString(t)
			s = s.setTarget(t[:len(t)-size])
		}
	case SetConsent:
		if s.Screen == Review {
			s.Consent = e.Agreed
			s.Notice = msg.Text{}
		}
	case Confirm:
		if s.Screen == Review {
			if !s.Consent {
				s.Notice = msg.Verbatim(NoticeNeedConsent)
				break
			}
			s.Screen, s.Notice = Submitting, msg.Text{}
			eff = append(eff, Submit{Application: s.application(), Licences: s.Item.ELicences}, Log{Msg: "application submitted", Attrs: []any{"item", s.Item.Code}})
		}
	case Submitted:
		userAction = false
		if s.Screen == Submitting {
			s, eff = done(s, e)
		}
	case SubmitFailed:
		userAction = false
		if s.Screen == Submitting {
			s.Screen, s.Problem = Failed, e.Notice
			if s.Problem == "" {
				s.Problem = ProblemSubmitFailed
			}
		}
	case Printed:
		userAction = false
		s = s.countFor(device.Printer, "prints")
		if s.Screen == Done {
			s.Result.Printing, s.Result.Printed = false, true
		}
	case PrintFailed:
		userAction = false
		s = s.countFor(device.Printer, "failures")
		if s.Screen == Done {
			s.Result.Printing, s.Result.PrintNotice = false, e.Notice
		}
	case CornerTap:
		if s.Screen == Idle {
			userAction = false
			var recent []time.Time
			for _, t := range s.Tech.Corner {
				if s.Now.Sub(t) < 3*time.Second {
					recent = append(recent, t)
				}
			}
			s.Tech.Corner = append(recent, s.Now)
			if len(s.Tech.Corner) >= 5 {
				s.Tech = Tech{}
				s.Screen = TechPIN
				eff = append(eff, Log{Msg: "technician PIN pad opened"})
			}
		}
	case TechKey:
		if s.Screen == TechPIN && e.R >= '0' && e.R <= '9' && len(s.Tech.PIN) < 12 {
			s.Tech.PIN += string(e.R)
		}
	case TechSubmit:
		if s.Screen == TechPIN && s.Tech.PIN != "" && s.Tech.Busy == "" {
			eff = append(eff, CheckPIN{PIN: s.Tech.PIN})
			s.Tech.PIN, s.Tech.Busy, s.Tech.Notice = "", "pin", msg.Verbatim("正在核验…")
		}
	case PINChecked:
		userAction = false
		if s.Screen == TechPIN {
			s.Tech.Busy = ""
			switch {
			case e.Disabled:
				s.Tech.Notice = msg.Verbatim("本机未设置技术人员口令，维护模式不可用")
			case e.OK:
				s.Screen, s.Tech.Notice = TechMenu, msg.Text{}
			case e.Locked:
				s.Tech.Notice = msg.Verbatim(fmt.Sprintf("口令错误次数过多，已锁定，请%d分钟后再试", int(e.Remaining.Minutes()+0.999)))
			default:
				s.Tech.Notice = msg.Verbatim(fmt.Sprintf("口令错误，还可尝试%d次", e.TriesLeft))
			}
		}
	case TechAction:
		if s.Screen == TechMenu && s.Tech.Busy == "" {
			switch e.Name {
			case TechReadCard: // answered by the reader itself
				s.Tech.Busy, s.Tech.Notice = e.Name, msg.Verbatim("读卡自检：请放置一张身份证")
			case TechScanCode:
				s.Tech.Busy, s.Tech.Notice = e.Name, msg.Verbatim("扫码自检：请出示任意二维码")
			default:
				s.Tech.Busy, s.Tech.Notice = e.Name, msg.Verbatim("正在执行…")
				eff = append(eff, TechCommand{Name: e.Name})
			}
		}
	case TechDone:
		userAction = false
		if s.Screen == TechMenu {
			s.Tech.Busy, s.Tech.Notice = "", msg.Verbatim(e.Message)
		}
	case PlatformChanged:
		userAction = false
		s.Platform, s.PendingUploads, s.PlatformError = e.State, e.Pending, e.LastError
	case Rate:
		if s.Screen == Done && s.Result.Rated == 0 && e.Grade >= 1 && e.Grade <= 5 && !s.Result.Queued {
			s.Result.Rated = e.Grade
			eff = append(eff, Evaluate{Province: s.Item.Province, CaseNumber: s.Result.CaseNumber, Grade: e.Grade})
		}
	case DeviceChanged:
		userAction = false
		s.Devices = maps.Clone(s.Devices)
		if s.Devices == nil {
			s.Devices = map[device.Kind]device.Status{}
		}
		k := e.Status.Kind
		if prev, ok := s.Devices[k]; (e.Status.State == device.Fault || e.Status.State == device.Offline) && (!ok || prev.State != e.Status.State) {
			s = s.countFor(k, "faults")
		}
		s.Devices[k] = e.Status
		if s.Screen == Identifying && k == device.IDCard && !e.Status.State.Usable() && e.Status.State != device.Starting {
			s.Notice = msg.New(msg.ReaderUnusable)
		}
	case CatalogLoaded:
		userAction = false
		s.Catalog, s.Index = e.Catalog, catalog.NewIndex(e.Catalog)
	default:
		return s, nil
	}
	if userAction || s.Screen != before {
		s.Deadline = s.deadline()
	}
	if s.Screen != before && s.Screen != Identifying {
		s.Notice = msg.Text{}
	}
	if before == Idle && s.Screen != Idle {
		s.Started = s.Now
	}
	if s.Screen != before && s.Elder && s.Screen != Idle {
		eff = append(eff, Speak{Text: prompt(s.Screen)})
	}
	s.Rev++
	return s, eff
}

func (s State) deadline() (t time.Time) {
	d := s.Config.Timeouts[s.Screen]
	if d <= 0 || s.Screen == Idle || s.Screen == Submitting {
		return t
	}
	if s.Elder {
		d *= 2
	}
	return s.Now.Add(d)
}

func identify(s State, p identity.Person) (State, []Effect) {
	if s.Screen != Idle && s.Screen != Identifying {
		return s, nil // a card placed mid-visit does not change who applies
	}
	s.Screen = Identifying
	if p.Source == identity.SourceIDCard && p.ValidateCardNumber() != nil {
		p.Wipe()
		s.Notice = msg.Verbatim(NoticeBadCard)
		return s, []Effect{Log{Msg: "card rejected: invalid identity number"}}
	}
	if p.Expired(s.Now) && !s.Config.AllowExpired {
		p.Wipe()
		s.Notice = msg.Verbatim(NoticeExpired)
		return s, []Effect{Log{Msg: "card rejected: expired"}}
	}
	s.Person = &p
	s.Screen, s.Page = ChooseItem, 0
	return s, []Effect{Log{Msg: "citizen identified", Attrs: []any{"source", string(p.Source), "person", p}}}
}

func back(s State) (State, []Effect) {
	switch s.Screen {
	case Identifying, ChooseItem, Failed, TechPIN, TechMenu, CaseView:
		return endVisit(s, WipeCancel)
	case ItemGuide:
		s.Item, s.Screen = nil, ChooseItem
	case Form:
		s.Values, s.FieldError, s.Focus, s.Compose, s.Screen = nil, nil, "", "", ItemGuide
	case Review:
		s.Consent, s.Screen = false, Form
	}
	return s, nil
}

func proceed(s State) State {
	switch s.Screen {
	case ItemGuide:
		s.Values, s.FieldError, s.Focus, s.Compose = map[string]string{}, nil, "", ""
		for _, f := range s.Item.Fields {
			s.Values[f.Key] = s.prefill(f.Prefill)
			if s.Focus == "" && !f.ReadOnly && f.Kind != catalog.Choice {
				s = s.focus(f)
			}
		}
		s.Screen = Form
	case Form:
		errs := map[string]string{}
		for _, f := range s.Item.Fields {
			if msg := f.Validate(s.Values[f.Key]); msg != "" {
				errs[f.Key] = msg
			}
		}
		if len(errs) > 0 {
			s.FieldError, s.Notice = errs, msg.Verbatim(NoticeCheckForm)
			return s
		}
		s.FieldError, s.Consent, s.Screen, s.Compose = nil, false, Review, ""
	}
	return s
}

func (s State) prefill(p catalog.Prefill) string {
	if s.Person == nil {
		return ""
	}
	switch p {
	case catalog.FromName:
		return s.Person.DisplayName()
	case catalog.FromNumber:
		return s.Person.Number
	case catalog.FromAddress:
		// A card with an appended address (30 03) has moved: the newest
		// address is the one to use.
		if s.Person.AppendedAddress != "" {
			return s.Person.AppendedAddress
		}
		return s.Person.Address
	}
	return ""
}

func (s State) field(key string) (catalog.Field, bool) {
	if s.Item == nil || key == "" {
		return catalog.Field{}, false
	}
	for _, f := range s.Item.Fields {
		if f.Key == key {
			return f, true
		}
	}
	return catalog.Field{}, false
}

// withValue sets a field's value on copies of the maps, keeping Next pure.
func (s State) withValue(f catalog.Field, v string) State {
	v = normalize(f.Kind, v)
	max := f.Max
	if max == 0 {
		max = 50
	}
	if r := []rune(v); len(r) > max {
		v = string(r[:max])
	}
	s.Values = maps.Clone(s.Values)
	if s.Values == nil {
		s.Values = map[string]string{}
	}
	s.Values[f.Key] = v
	if s.FieldError[f.Key] != "" {
		s.FieldError = maps.Clone(s.FieldError)
		delete(s.FieldError, f.Key)
	}
	return s
}

func (s State) application() platform.Application {
	fields := map[string]string{}
	for k, v := range s.Values {
		switch k {
		case "name", "id_number", "phone":
		default:
			fields[k] = v
		}
	}
	handle := s.Config.Division
	if s.Item.Province != "" && !strings.HasPrefix(handle, s.Item.Province) {
		handle = s.Item.Province + "0000"
	}
	return platform.Application{
		ItemCode: s.Item.Code, ItemName: s.Item.Name, Province: s.Item.Province,
		Applicant: platform.Applicant{IDType: s.Person.IDTypeCode(), Number: s.Person.Number, Name: s.Person.DisplayName(), Phone: s.Values["phone"]},
		Fields:    fields, AcceptDivision: s.Config.Division, HandleDivision: handle,
		Mode: s.Item.Mode, KioskID: s.Config.KioskID, SubmittedAt: s.Now,
	}
}

func done(s State, e Submitted) (State, []Effect) {
	s.Screen = Done
	s.Result = Result{RequestID: e.RequestID, CaseNumber: e.CaseNumber, Queued: e.Queued, TrackCode: e.TrackCode,
		Linked: e.Linked, Licences: e.Licences}
	m := s.Person.Mask()
	doc := receipt.New(receipt.Case{
		Hall: s.Config.Hall, KioskID: s.Config.KioskID, Item: s.Item.Name,
		CaseNumber: e.CaseNumber, Queued: e.Queued, Submitted: s.Now,
		ApplicantMasked: m.Name, NumberMasked: m.Number,
		Next: s.Item.Next, Due: s.Item.Due, TrackCode: e.TrackCode,
		Linked: e.Linked, Licences: e.Licences,
	})
	s.Result.Receipt = doc
	if !s.DeviceUsable(device.Printer) {
		s.Result.PrintNotice = PrinterNotice(s.Devices[device.Printer].Cause)
		return s, []Effect{Log{Msg: "receipt not printed: printer unusable", Attrs: []any{"case", e.CaseNumber}}}
	}
	s.Result.Printing = true
	return s, []Effect{Print{Document: doc}}
}

// endVisit drops everything personal from the state and tells the runtime
// to wipe the rest. Every path back to Idle goes through here.
func endVisit(s State, reason WipeReason) (State, []Effect) {
	from := s.Screen
	w := Wipe{Reason: reason, From: from, Started: s.Started, Ended: s.Now, Erased: erased(s)}
	if s.Result.Queued {
		w.Queued = s.Result.RequestID
	}
	if s.Person != nil {
		s.Person.Wipe()
	}
	s = State{Config: s.Config, Now: s.Now, Rev: s.Rev, Catalog: s.Catalog, Index: s.Index, Devices: s.Devices,
		Platform: s.Platform, PendingUploads: s.PendingUploads, PlatformError: s.PlatformError, Counters: s.Counters,
		Screen: Idle, Elder: s.Config.ElderDefault}
	return s, []Effect{
		Log{Msg: "visit ended", Attrs: []any{"reason", string(reason), "from", from.String()}},
		w,
	}
}

// erased counts, by category, the personal data a state holds. The
// counts go to the erasure record; the data does not.
func erased(s State) map[string]int {
	m := map[string]int{}
	if s.Person != nil {
		m["identity"] = 1
		if n := len(s.Person.Photo); n > 0 {
			m["photo_bytes"] = n
		}
	}
	for _, v := range s.Values {
		if v != "" {
			m["form_values"]++
		}
	}
	if s.Query != "" {
		m["search_text"] = 1
	}
	if s.Compose != "" {
		m["keyboard_text"] = 1
	}
	if len(s.Result.Receipt.Blocks) > 0 {
		m["receipt"] = 1
	}
	return m
}

// PrinterNotice tells the citizen there is no paper receipt and why: cause
// is the printer's (device.PaperOut), NoCause when it is not known.
func PrinterNotice(cause device.Cause) msg.Text {
	if cause == device.NoCause || cause == device.Disconnected {
		return msg.New(msg.PrinterDown)
	}
	return msg.New(msg.PrinterCausePhoto, cause)
}

// SpeechCountdown is spoken when the countdown to the idle screen starts.
const SpeechCountdown = "即将返回首页。如需继续办理，请点击屏幕下方的继续办理。"

// prompt is what elder mode says on entering a screen. Prompts never
// carry personal data.
func prompt(sc Screen) string {
	switch sc {
	case Idle:
		return "欢迎使用政务服务自助终端。请点击开始办理。"
	case Identifying:
		return "请将身份证平放在读卡区，或出示天府通办二维码。"
	case ChooseItem:
		return "请选择您要办理的事项。"
	case ItemGuide:
		return "请阅读办理须知，然后点击开始填写。"
	case Form:
		return "请填写信息。联系电话请用屏幕下方的数字键输入。"
	case Review:
		return "请核对信息，勾选同意后点击确认提交。"
	case Submitting:
		return "正在提交，请稍候。"
	case Done:
		return "办理完成。请取走回执和您的身份证。"
	case Failed:
		return "办理没有完成，请按屏幕提示操作，或联系工作人员。"
	}
	return ""
}

// focus gives field f the keyboard, in the layout its kind wants.
func (s State) focus(f catalog.Field) State {
	s.Focus, s.Compose = f.Key, ""
	switch f.Kind {
	case catalog.Phone, catalog.IDNo, catalog.Date:
		s.KeyMode = KeyDigits
	case catalog.USCC:
		s.KeyMode = KeyLatin
	default:
		s.KeyMode = KeyPinyin
	}
	return s
}

// target is the text the keyboard edits: the search query on the item
// list, the focused field on the form.
func (s State) target() (string, bool) {
	switch {
	case s.Screen == ChooseItem && s.Focus == SearchField:
		return s.Query, true
	case s.Screen == Form:
		if f, ok := s.field(s.Focus); ok && !f.ReadOnly {
			return s.Values[f.Key], true
		}
	}
	return "", false
}

// setTarget replaces the text the keyboard edits.
func (s State) setTarget(v string) State {
	if s.Screen == ChooseItem {
		if r := []rune(v); len(r) > 20 {
			v = string(r[:20])
		}
		s.Query, s.Page = v, 0
		return s
	}
	if f, ok := s.field(s.Focus); ok {
		s = s.withValue(f, v)
	}
	return s
}

func (s State) appendText(t string) State {
	if cur, ok := s.target(); ok {
		return s.setTarget(cur + t)
	}
	return s
}

// typeRune handles one key of the on-screen keyboard: in pinyin mode a
// letter goes to the composition, anything else to the target.
func typeRune(s State, r rune) State {
	if _, ok := s.target(); !ok {
		return s
	}
	letter := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
	if s.KeyMode == KeyPinyin && letter {
		if len(s.Compose) < 24 {
			s.Compose += strings.ToLower(string(r))
		}
		return s
	}
	return s.appendText(string(r))
}

// Grades are the five 好差评 grades in GB/T 39046 A.8 order (code = index+1).
var Grades = [5]string{"非常满意", "满意", "基本满意", "不满意", "非常不满意"}

// normalize keeps to what a field kind can hold: digits for a phone
// number or date, digits and X for an ID number, GB 32100's upper-case
// alphabet for a credit code; each at most its fixed length.
func normalize(kind catalog.FieldKind, v string) string {
	keep := func(allowed func(rune) bool, n int) string {
		out := strings.Map(func(r rune) rune {
			if allowed(r) {
				return r
			}
			return -1
		}, v)
		if len(out) > n {
			out = out[:n]
		}
		return out
	}
	digit := func(r rune) bool { return r >= '0' && r <= '9' }
	switch kind {
	case catalog.Phone:
		return keep(digit, 11)
	case catalog.Date:
		return keep(digit, 8)
	case catalog.IDNo:
		v = strings.ToUpper(v)
		return keep(func(r rune) bool { return digit(r) || r == 'X' }, 18)
	case catalog.USCC:
		v = strings.ToUpper(v)
		return keep(func(r rune) bool { return digit(r) || (r >= 'A' && r <= 'Z') }, 18)
	}
	return v
}
