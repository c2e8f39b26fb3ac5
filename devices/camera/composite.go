package camera

import (
	"image"
	"image/draw"
)

// drawOnWhite draws img into g as if laid on white paper, as a phone
// screen or a printout shows it: a transparent pixel comes out white and a
// translucent one lighter. Drawn as is (draw.Src), a transparent pixel is
// black, and a code on a transparent ground is black on black.
func drawOnWhite(g *image.Gray, img image.Image) {
	for i := range g.Pix {
		g.Pix[i] = 0xFF
	}
	draw.Draw(g, g.Rect, img, img.Bounds().Min, draw.Over)
}
