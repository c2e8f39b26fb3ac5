package ui

import (
	"fmt"
	"image/color"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/receipt"
	"sckiosk/kiosk/core/session"
)

// tapArea is an invisible touch target: the hidden corner that opens
// technician mode after five taps within three seconds.
type tapArea struct {
	widget.BaseWidget
	tap func()
}

func newTapArea(tap func()) *tapArea {
	t := &tapArea{tap: tap}
	t.ExtendBaseWidget(t)
	return t
}

// Tapped implements fyne.Tappable.
func (t *tapArea) Tapped(*fyne.PointEvent) { t.tap() }

// CreateRenderer implements fyne.Widget.
func (t *tapArea) CreateRenderer() fyne.WidgetRenderer {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(160, 100))
	return widget.NewSimpleRenderer(r)
}

func (v view) techPINScreen() fyne.CanvasObject {
	s, send := v.s, v.send
	dots := strings.Repeat("●", len(s.Tech.PIN))
	if dots == "" {
		dots = "请输入维护口令"
	}
	// The citizen's pad's keys in the same places; 返回 and 确定 below.
	pad := v.digitPad(func(r rune) { send(session.TechKey{R: r}) },
		func() { send(session.TechKey{R: session.TechClear}) }, func() { send(session.TechKey{R: session.TechDelete}) })
	actions := container.NewGridWithColumns(2, v.key("返回", func() { send(session.Cancel{}) }),
		tall(bigButton("确定", true, func() { send(session.TechSubmit{}) }), keyHeight))
	return container.NewVBox(v.heading("技术人员维护"), container.NewCenter(v.text(dots, 40, true, grey)),
		notice(v.tr(s.Tech.Notice)), layout.NewSpacer(), wide(container.NewVBox(pad, actions), 600))
}

func (v view) techMenuScreen() fyne.CanvasObject {
	s, send := v.s, v.send
	// Technicians' screens keep standard type: elder mode is for citizens.
	rows := container.NewVBox(text("维护菜单", 48, true, blue))
	kinds := make([]device.Kind, 0, len(s.Devices))
	for k := range s.Devices {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
	for _, k := range kinds {
		st := s.Devices[k]
		// In Chinese: the English reason is in the log.
		line := v.lang.Kind(k) + "：" + v.lang.State(st.State)
		if c := v.lang.CauseShort(st.Cause); c != "" {
			line += "（" + c + "）"
		}
		rows.Add(text(line, 28, false, color.Black))
	}
	platform := v.lang.Platform(s.Platform)
	rows.Add(text(fmt.Sprintf("平台：%s　待上报：%d 件", platform, s.PendingUploads), 28, false, color.Black))
	if s.PlatformError != "" {
		e := s.PlatformError
		if r := []rune(e); len(r) > 70 {
			e = string(r[:70]) + "…"
		}
		rows.Add(text("最近错误："+e, 22, false, red))
	}
	if len(s.Counters) > 0 {
		keys := make([]string, 0, len(s.Counters))
		for k := range s.Counters {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %d 次", v.lang.Counter(k), s.Counters[k]))
		}
		rows.Add(newWrapText("计数："+strings.Join(parts, "　"), 24, grey))
	}
	ver := v.version
	if ver == "" {
		ver = "开发版"
	}
	rows.Add(newWrapText("版本："+ver, 28, color.Black))
	if !s.Tech.Notice.IsZero() { // may be many lines (the log tail): they wrap, and the rows scroll
		for _, line := range strings.Split(v.tr(s.Tech.Notice), "\n") {
			rows.Add(newWrapText(line, 22, blue))
		}
	}
	act := func(label, name string) fyne.CanvasObject {
		b := bigButton(label, false, func() { send(session.TechAction{Name: name}) })
		if s.Tech.Busy != "" {
			b.Disable()
		}
		return tall(b, v.touch)
	}
	cols := 3
	switch {
	case v.landscape:
		cols = 5
	case s.Elder: // the theme's type is larger for the citizen before
		cols = 2
	}
	actions := container.NewGridWithColumns(cols,
		act("打印测试回执", session.TechPrintTest),
		act("读卡自检", session.TechReadCard),
		act("扫码自检", session.TechScanCode),
		act("查看日志", session.TechLogTail),
		act("重新上报待发申请", session.TechRetryOutbox),
		act("检查平台网络", session.TechCheckPlatform),
		act("重新加载配置", session.TechReload),
		act("退出到桌面", session.TechExitDesktop),
		tall(bigButton("退出维护", true, func() { send(session.Cancel{}) }), v.touch))
	return container.NewBorder(nil, actions, nil, nil, touchScroll(rows))
}

// release is the kiosk's release, set when it is built for deployment:
// go build -ldflags "-X sckiosk/ui.release=1.4.0" (make build sets it
// from git describe).
var release string

// Version describes the running build for the technician screen: the
// release when one was set, else the commit and its date (a development
// build), and the Go version.
func Version() string {
	bi, _ := debug.ReadBuildInfo()
	return version(bi, release)
}

// version is Version for the given build information and release.
func version(bi *debug.BuildInfo, release string) string {
	if bi == nil {
		if release != "" {
			return release
		}
		return "开发版"
	}
	v := release
	if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	var rev, when, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value[:min(len(s.Value), 8)]
		case "vcs.time":
			if t, err := time.Parse(time.RFC3339, s.Value); err == nil {
				when = t.In(receipt.ChinaTime).Format("2006-01-02")
			}
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "（有未提交的修改）"
			}
		}
	}
	if v == "" {
		v = "开发版"
	}
	if rev != "" {
		v += " " + rev
		if when != "" {
			v += " " + when
		}
		v += dirty
	}
	return v + " " + bi.GoVersion
}
