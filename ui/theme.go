// Package ui draws the kiosk's screens with Fyne. Every screen is a
// projection of a session.State; taps become session events sent back to
// the runtime. The package never imports fyne.io/fyne/v2/app, so its tests
// run headless without cgo.
package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"sckiosk/assets/fonts"
)

// Theme is the kiosk's look: the embedded CJK face for every style, large
// type and high contrast on a light background.
type Theme struct {
	font fyne.Resource
	// Scale multiplies every text size (elder mode uses ElderScale).
	Scale float32
	// HighContrast (elder mode) uses black on white and darker buttons.
	HighContrast bool
}

// NewTheme returns the kiosk theme.
func NewTheme() *Theme {
	return &Theme{font: fyne.NewStaticResource("NotoSansCJKsc-Regular.otf", fonts.NotoSansCJKSC), Scale: 1}
}

// Color implements fyne.Theme.
func (t *Theme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if t.HighContrast {
		switch n {
		case theme.ColorNameBackground:
			return color.White
		case theme.ColorNameForeground:
			return color.Black
		case theme.ColorNameButton:
			return color.NRGBA{0xC5, 0xD2, 0xE0, 0xFF}
		case theme.ColorNamePrimary:
			return color.NRGBA{0x00, 0x3F, 0x7F, 0xFF}
		}
	}
	switch n {
	case theme.ColorNameBackground:
		return color.NRGBA{0xF4, 0xF7, 0xFB, 0xFF}
	case theme.ColorNameForeground:
		return color.NRGBA{0x1A, 0x1A, 0x1A, 0xFF}
	case theme.ColorNamePrimary:
		return color.NRGBA{0x00, 0x5B, 0xAC, 0xFF} // government blue
	case theme.ColorNameButton:
		return color.NRGBA{0xE1, 0xE8, 0xF0, 0xFF}
	case theme.ColorNameError:
		return color.NRGBA{0xC6, 0x28, 0x28, 0xFF}
	case theme.ColorNameForegroundOnPrimary:
		return color.White
	}
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}

// Font implements fyne.Theme: one face for all styles.
func (t *Theme) Font(fyne.TextStyle) fyne.Resource { return t.font }

// Icon implements fyne.Theme.
func (t *Theme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

// Size implements fyne.Theme with kiosk-sized text and padding.
func (t *Theme) Size(n fyne.ThemeSizeName) float32 {
	s := t.Scale
	if s == 0 {
		s = 1
	}
	switch n {
	case theme.SizeNameText:
		return 34 * s
	case theme.SizeNameHeadingText:
		return 56 * s
	case theme.SizeNameSubHeadingText:
		return 42 * s
	case theme.SizeNameCaptionText:
		return 26 * s
	case theme.SizeNamePadding:
		return 12
	case theme.SizeNameInnerPadding:
		return 20
	case theme.SizeNameInputBorder:
		return 3
	}
	return theme.DefaultTheme().Size(n)
}

// WarmFonts makes Fyne parse the theme's font now, for the text style the
// screens use, so the first screen does not wait for it. It is safe to
// call from any goroutine once the app's theme is set.
func WarmFonts() {
	fyne.MeasureText("政务服务", theme.TextSize(), fyne.TextStyle{})
}
