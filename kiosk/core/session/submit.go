package session

import (
	"strings"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/receipt"
)

// submitEvent handles the end of a visit: consent and confirmation on the
// review screen, the runtime's answer to the submission, the receipt's
// printing and the citizen's rating.
func submitEvent(s State, ev Event) (State, []Effect, origin) {
	var eff []Effect
	switch e := ev.(type) {
	case SetConsent:
		if s.Screen == Review {
			s.Consent = e.Agreed
			s.Notice = msg.Text{}
		}
	case Confirm:
		if s.Screen != Review {
			break
		}
		if !s.Consent {
			s.Notice = msg.New(msg.ConsentNeeded)
			break
		}
		if why := s.submitRefused(); !why.IsZero() {
			s.Notice = why
			break
		}
		s.Screen, s.Notice = Submitting, msg.Text{}
		eff = append(eff, Submit{Application: s.application(), Licences: s.Item.ELicences}, Log{Msg: "application submitted", Attrs: []any{"item", s.Item.Code}})
	case Rate:
		if s.Screen == Done && s.Result.Rated == 0 && e.Grade >= 1 && e.Grade <= 5 && !s.Result.Queued {
			s.Result.Rated = e.Grade
			eff = append(eff, Evaluate{Province: s.Item.Province, CaseNumber: s.Result.CaseNumber, Grade: e.Grade})
		}
	case Submitted:
		if s.Screen == Submitting {
			s, eff = done(s, e)
		}
		return s, eff, fromKiosk
	case SubmitFailed:
		if s.Screen == Submitting {
			s.Screen, s.Problem = Failed, e.Notice
			if s.Problem.IsZero() {
				s.Problem = msg.New(msg.SubmitFailed)
			}
		}
		return s, nil, fromKiosk
	case Printed:
		s = s.countFor(device.Printer, "prints")
		if s.Screen == Done {
			s.Result.Printing, s.Result.Printed = false, true
		}
		return s, nil, fromKiosk
	case Reprint:
		if s.CanReprint() {
			s.Result.Printing, s.Result.PrintNotice, s.Result.PrinterBack = true, msg.Text{}, false
			eff = append(eff, Print{Document: s.Result.Receipt}, Log{Msg: "receipt reprinted", Attrs: []any{"case", s.Result.CaseNumber}})
		}
	case PrintFailed:
		s = s.countFor(device.Printer, "failures")
		if s.Screen == Done {
			s.Result.Printing, s.Result.PrintNotice = false, e.Notice
		}
		return s, nil, fromKiosk
	}
	return s, eff, fromUser
}

// submitRefused says why the reviewed application cannot be submitted now,
// or is no message: the card was lifted, the item must take effect at once
// and the platform cannot be reached, or a device it needs went down while
// the form was filled in.
func (s State) submitRefused() msg.Text {
	switch {
	case !s.CardAway.IsZero():
		return s.putBack()
	case s.Item.Offline == catalog.OfflineRefuse && s.Platform == application.PlatformOffline:
		return msg.New(msg.ItemNeedsPlatform, s.Item.Name, s.Item.OfflineNote)
	}
	return s.deviceRefusal()
}

// deviceRefusal says which device the item needs is down, or is no
// message.
func (s State) deviceRefusal() msg.Text {
	if s.Item == nil {
		return msg.Text{}
	}
	for _, k := range s.Item.Needs {
		if !s.DeviceUsable(k) {
			return msg.New(msg.ItemNeedsDevice, s.deviceDown(k))
		}
	}
	return msg.Text{}
}

// deviceDown says that device k cannot be used: a printer's own cause
// (打印机缺纸, which names the printer already), else 打印机暂时无法使用.
func (s State) deviceDown(k device.Kind) msg.Text {
	if c := s.Devices[k].Cause; k == device.Printer && c != device.NoCause && c != device.Disconnected {
		return msg.New(msg.DeviceCause, c)
	}
	return msg.New(msg.DeviceDown, k)
}

// CanReprint reports whether the done screen may offer to print the
// receipt again: it did not print, and the printer has come back since.
func (s State) CanReprint() bool {
	r := s.Result
	return s.Screen == Done && !r.Printing && !r.Printed && !r.PrintNotice.IsZero() && r.PrinterBack &&
		len(r.Receipt.Blocks) > 0 && s.DeviceUsable(device.Printer)
}

// application is the reviewed form as the platform takes it; the
// applicant's identity goes in Applicant, not among the fields.
func (s State) application() application.Application {
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
	return application.Application{
		ItemCode: s.Item.Code, ItemName: s.Item.Name, Province: s.Item.Province,
		Applicant: application.Applicant{IDType: s.Person.IDTypeCode(), Number: s.Person.Number, Name: s.Person.DisplayName(), Phone: s.Values["phone"]},
		Fields:    fields, AcceptDivision: s.Config.Division, HandleDivision: handle,
		Mode: s.Item.Mode, KioskID: s.Config.KioskID, SubmittedAt: s.Now,
	}
}

// done shows the receipt and prints it, or says why it cannot be printed.
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
		Linked: s.LinkedCases(e.Linked), Licences: e.Licences,
		Legal: s.applicantKind() == catalog.LegalPerson, Meanwhile: s.Item.OfflineNote,
	})
	s.Result.Receipt = doc
	if !s.DeviceUsable(device.Printer) {
		s.Result.PrintNotice = PrinterNotice(s.Devices[device.Printer].Cause)
		return s, []Effect{Log{Msg: "receipt not printed: printer unusable", Attrs: []any{"case", e.CaseNumber}}}
	}
	s.Result.Printing = true
	return s, []Effect{Print{Document: doc}}
}

// PrinterNotice tells the citizen there is no paper receipt and why: cause
// is the printer's (device.PaperOut), NoCause when it is not known.
func PrinterNotice(cause device.Cause) msg.Text {
	if cause == device.NoCause || cause == device.Disconnected {
		return msg.New(msg.PrinterDown)
	}
	return msg.New(msg.PrinterCausePhoto, cause)
}

// Grades are the five 好差评 grades in GB/T 39046 A.8 order (code = index+1).
var Grades = [5]msg.Key{msg.GradeVerySatisfied, msg.GradeSatisfied, msg.GradeFairlySatisfied, msg.GradeDissatisfied, msg.GradeVeryDissatisfied}
