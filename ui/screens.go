package ui

import (
	"image"
	"image/color"
	_ "image/png" // QR codes are decoded from PNG
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/ime"
	"sckiosk/kiosk/core/msg"
	"sckiosk/kiosk/core/receipt"
	"sckiosk/kiosk/core/session"
	words "sckiosk/ui/text"
)

var (
	blue  = color.NRGBA{0x00, 0x5B, 0xAC, 0xFF}
	red   = color.NRGBA{0xC6, 0x28, 0x28, 0xFF}
	grey  = color.NRGBA{0x55, 0x5F, 0x6B, 0xFF}
	green = color.NRGBA{0x1B, 0x7F, 0x3B, 0xFF}
)

const touch = 110 // height of the main touch targets in portrait

// view builds one screen from a state; k scales canvas text in elder mode
// (widgets scale through the theme).
type view struct {
	touch     float32 // height of the main touch targets
	s         session.State
	send      func(session.Event)
	k         float32
	landscape bool
	dict      *ime.Dict
	render    func(receipt.Document) (image.Image, error)
	version   string
	lang      *words.Language // says the core's messages and the device labels
	later     *[]func()       // run once the screen is laid out (scrolling to a field)
}

// afterLayout runs f once the screen has its sizes.
func (v view) afterLayout(f func()) {
	if v.later != nil {
		*v.later = append(*v.later, f)
	}
}

// ElderScale is how much larger type is in elder mode (portrait); the
// landscape layout has less height and uses ElderScaleLandscape.
const (
	ElderScale          = 1.4
	ElderScaleLandscape = 1.2
)

func (v view) text(str string, size float32, bold bool, c color.Color) *canvas.Text {
	return text(str, size*v.k, bold, c)
}

// tr says a message of the core in the screen's language.
func (v view) tr(t msg.Text) string { return v.lang.Render(t) }

// screen builds the whole screen for s.
func screen(s session.State, send func(session.Event), k *Kiosk) fyne.CanvasObject {
	v := view{later: &k.later, s: s, send: send, k: 1, landscape: k.Landscape, dict: k.Dict, touch: touch, render: k.RenderReceipt, version: k.Version, lang: words.Chinese}
	landscape := k.Landscape
	if landscape {
		v.touch = 90 // 1080 rows are scarce; 90 is still a comfortable target
	}
	if s.Elder {
		v.k = elderScale(landscape)
	}
	return v.screen()
}

func (v view) screen() fyne.CanvasObject {
	s, send := v.s, v.send
	var body fyne.CanvasObject
	fault, faulty := s.Fault()
	home := func() fyne.CanvasObject { return bigButton("返回首页", true, func() { send(session.Cancel{}) }) }
	switch s.Screen {
	case session.Idle:
		body = v.idleScreen()
		if faulty && fault.Blocking {
			body = v.faultScreen(fault, nil)
		}
	case session.Identifying:
		body = v.identifyingScreen()
		if faulty && fault.Blocking {
			body = v.faultScreen(fault, home())
		}
	case session.ChooseItem:
		body = v.chooseScreen()
	case session.ItemGuide:
		body = v.guideScreen()
		if faulty {
			body = container.NewBorder(v.faultBanner(fault), nil, nil, nil, body)
		}
	case session.Form:
		body = v.formScreen()
	case session.Review:
		body = v.reviewScreen()
		if faulty {
			body = container.NewBorder(v.faultBanner(fault), nil, nil, nil, body)
		}
	case session.Submitting:
		body = v.message("正在提交，请稍候…", "申请已安全保存，请勿离开", nil)
	case session.Done:
		body = v.doneScreen()
	case session.Failed:
		body = v.faultScreen(fault, home())
	case session.TechPIN:
		body = v.techPINScreen()
	case session.TechMenu:
		body = v.techMenuScreen()
	case session.CaseView:
		body = v.caseScreen()
	}
	framed := container.NewBorder(v.header(), v.footer(), nil, nil, container.NewPadded(body))
	if s.ConfirmLeave && s.Screen != session.Idle {
		return container.NewStack(framed, v.confirmLeave())
	}
	return framed
}

func (v view) footer() fyne.CanvasObject {
	s := v.s
	var parts []string
	for _, k := range []device.Kind{device.IDCard, device.Scanner, device.Camera, device.Printer} {
		st, ok := s.Devices[k]
		if k == device.Camera && !ok {
			continue // a kiosk without a camera does not list one
		}
		label := v.lang.Kind(k) + "："
		switch {
		case !ok || st.State == device.Starting:
			parts = append(parts, label+v.lang.State(device.Starting))
		case st.State == device.Warning:
			parts = append(parts, label+v.lang.State(device.Warning))
		case st.State.Usable():
			parts = append(parts, label+v.lang.State(device.Online))
		default:
			parts = append(parts, label+"暂停服务")
		}
	}
	switch s.Platform {
	case application.PlatformOnline, application.PlatformDegraded, application.PlatformOffline:
		parts = append(parts, "平台："+v.lang.Platform(s.Platform))
	}
	// What waits in the outbox is the technician's business (their
	// screen shows it); the terminal's number is for telling staff.
	return container.NewPadded(newWrapText(strings.Join(parts, "    ")+"    终端 "+s.Config.KioskID, 22*v.k, grey))
}

func (v view) heading(s string) fyne.CanvasObject {
	size := 56 * v.k
	if v.landscape {
		size = 48 * v.k
	}
	return text(s, min(size, 64), true, blue)
}

// title is a heading whose text the kiosk does not choose (an item's
// name): it wraps when it is too long for the screen.
func (v view) title(s string) fyne.CanvasObject {
	size := 56 * v.k
	if v.landscape {
		size = 48 * v.k
	}
	return newWrapText(s, min(size, 64), blue)
}

func notice(s string) fyne.CanvasObject {
	if s == "" {
		return layout.NewSpacer()
	}
	return padText(newWrapText(s, theme.TextSize(), theme.Color(theme.ColorNameError)))
}

func (v view) message(title, detail string, action fyne.CanvasObject) fyne.CanvasObject {
	items := []fyne.CanvasObject{layout.NewSpacer(), container.NewCenter(v.heading(title)), para(detail)}
	if action != nil {
		items = append(items, tall(action, v.touch))
	}
	items = append(items, layout.NewSpacer())
	return container.NewVBox(items...)
}
