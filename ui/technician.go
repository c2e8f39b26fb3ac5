package ui

import (
	"fmt"
	"image/color"
	"runtime/debug"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"sckiosk/devices/device"
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
	pad := container.NewGridWithColumns(3)
	for _, r := range "123456789" {
		r := r
		pad.Add(v.key(string(r), func() { send(session.TechKey{R: r}) }))
	}
	pad.Add(v.key("返回", func() { send(session.Cancel{}) }))
	pad.Add(v.key("0", func() { send(session.TechKey{R: '0'}) }))
	pad.Add(tall(bigButton("确定", true, func() { send(session.TechSubmit{}) }), keyHeight))
	return container.NewVBox(v.heading("技术人员维护"), container.NewCenter(v.text(dots, 40, true, grey)),
		notice(v.tr(s.Tech.Notice)), layout.NewSpacer(), wide(pad, 600))
}

func (v view) techMenuScreen() fyne.CanvasObject {
	s, send := v.s, v.send
	// Technicians' screens keep standard type: elder mode is for citizens.
	rows := container.NewVBox(text("维护菜单", 48, true, blue))
	kinds := make([]device.Kind, 0, len(s.Devices))
	for k := range s.Devices {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i].String() < kinds[j].String() })
	for _, k := range kinds {
		st := s.Devices[k]
		line := fmt.Sprintf("%s（%s）：%s", v.lang.Kind(k), k, v.lang.State(st.State))
		if st.Reason != "" {
			line += "（" + st.Reason + "）"
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
			parts = append(parts, fmt.Sprintf("%s %d", k, s.Counters[k]))
		}
		rows.Add(text("计数："+strings.Join(parts, "　"), 22, false, grey))
	}
	ver := v.version
	if ver == "" {
		ver = "开发版"
	}
	rows.Add(text("版本："+ver, 28, false, color.Black))
	if !s.Tech.Notice.IsZero() { // may be several lines (the log tail)
		for _, line := range strings.Split(v.tr(s.Tech.Notice), "\n") {
			if r := []rune(line); len(r) > 80 { // a log line must not widen the screen
				line = string(r[:80]) + "…"
			}
			rows.Add(text(line, 22, false, blue))
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
	return container.NewBorder(nil, actions, nil, nil, rows)
}

// Version describes the running build: module version, VCS revision and
// Go version, for the technician screen.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 8 {
			v += " " + s.Value[:8]
		}
	}
	return v + " " + bi.GoVersion
}
