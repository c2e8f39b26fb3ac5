package session

import (
	"sckiosk/devices/device"
	"sckiosk/kiosk/core/application"
)

// FaultKind names a fault the citizen is told about.
type FaultKind string

// Faults, each with its own screen or panel and its own next steps.
const (
	FaultNoIdentify FaultKind = "no_identify" // neither the card reader nor a code reader works: the kiosk cannot serve
	FaultReader     FaultKind = "reader"      // the card reader is down; codes still work
	FaultCodeReader FaultKind = "code_reader" // scanner and camera are down; cards still work
	FaultPrinter    FaultKind = "printer"     // the receipt could not be printed
	FaultPlatform   FaultKind = "platform"    // the platform cannot be reached; applications are kept and sent later
	FaultSubmit     FaultKind = "submit"      // the application could not even be saved
)

// Fault is a problem on the current screen in plain Chinese: what happened
// and what the citizen can do next, in order. Blocking faults replace the
// screen; the others are shown as a panel on it.
type Fault struct {
	Kind     FaultKind
	Title    string
	Cause    string
	Next     []string
	Blocking bool
}

// Steps the citizen can always take.
const (
	stepStaff  = "请到人工窗口办理，或联系工作人员"
	stepOther  = "也可使用大厅内其他自助终端"
	stepPhone  = "也可在手机天府通办App中办理"
	stepPhoto  = "请用手机拍下屏幕上的回执二维码"
	stepAssist = "纸质回执可凭办件编号到人工窗口打印"
)

// Fault returns the fault that matters on the current screen, if any.
func (s State) Fault() (Fault, bool) {
	card, code := s.DeviceUsable("idcard"), s.CodeReaderUsable()
	switch s.Screen {
	case Idle, Identifying:
		switch {
		case !card && !code && s.devicesKnown():
			return Fault{Kind: FaultNoIdentify, Blocking: true, Title: "本机暂停服务",
				Cause: "身份核验设备（读卡器和扫码器）暂时无法使用，本机无法核验身份。",
				Next:  []string{"请使用大厅内其他自助终端", stepStaff, stepPhone}}, true
		case s.Screen == Identifying && !card && s.known("idcard"):
			return Fault{Kind: FaultReader, Title: "读卡器暂停服务",
				Cause: "读卡器" + s.reason("idcard") + "，暂时不能读取身份证。",
				Next:  []string{"请出示天府通办亮码或电子证照亮证码", stepOther, stepStaff}}, true
		case s.Screen == Identifying && !code && s.known("scanner"):
			return Fault{Kind: FaultCodeReader, Title: "扫码器暂停服务",
				Cause: "扫码器" + s.reason("scanner") + "，暂时不能识别二维码。",
				Next:  []string{"请将第二代居民身份证放在读卡区", stepOther, stepStaff}}, true
		}
	case ChooseItem, ItemGuide, Form, Review:
		if s.Platform == application.PlatformOffline {
			return Fault{Kind: FaultPlatform, Title: "网络暂时中断",
				Cause: "暂时连不上政务服务平台。",
				Next:  []string{"可继续办理，申请联网后自动提交", "申请先安全保存在本机，回执照常打印"}}, true
		}
	case Done:
		if s.Result.PrintNotice != "" {
			return Fault{Kind: FaultPrinter, Title: "回执未能打印",
				Cause: s.printerCause(),
				Next:  []string{stepPhoto, stepAssist}}, true
		}
	case Failed:
		cause := s.Problem
		if cause == "" {
			cause = ProblemSubmitFailed
		}
		return Fault{Kind: FaultSubmit, Blocking: true, Title: "办理未完成",
			Cause: cause,
			Next:  []string{"返回首页后，您的信息立即从本机清除", stepStaff, stepOther}}, true
	}
	return Fault{}, false
}

// known reports whether the device has reported at all: a device still
// starting is not a fault yet.
func (s State) known(name string) bool {
	st, ok := s.Devices[name]
	return ok && st.State != device.Starting
}

// devicesKnown reports whether the card reader and the scanner have both
// reported, so "both down" is not said while the kiosk starts.
func (s State) devicesKnown() bool { return s.known("idcard") && s.known("scanner") }

// reason is the device's own Chinese notice in brackets, or "无法使用".
func (s State) reason(name string) string {
	if n := s.Devices[name].Notice; n != "" {
		return "（" + n + "）"
	}
	return "无法使用"
}

// printerCause says why the receipt did not print.
func (s State) printerCause() string {
	what := "打印机暂时无法使用"
	if n := s.Devices["printer"].Notice; n != "" && !s.DeviceUsable("printer") {
		what = "打印机" + n
	}
	if s.Result.Queued {
		return what + "，回执未打印。申请已存本机，联网后自动提交。"
	}
	return what + "，回执未打印。申请已提交成功。"
}
