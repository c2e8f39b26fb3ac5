package main

import (
	"image"
	"image/color"
)

// qrImage draws a QR symbol, given as its modules with the quiet zone
// ([y][x], true for dark), in whole pixels: every module is px×px pixels,
// px being size/len(modules) rounded to the nearest integer and at least
// 2, so the image is px×len(modules) pixels square, as near size as whole
// modules allow. Modules that are not a whole number of pixels (what
// go-qrcode draws for any size) come out a pixel narrower or wider than
// each other, which below about 110 px neither zbar nor the kiosk reads;
// zbar misses many codes of 1-px modules too.
func qrImage(modules [][]bool, size int) (img *image.Paletted, px int) {
	n := len(modules)
	px = max(2, (size+n/2)/n)
	img = image.NewPaletted(image.Rect(0, 0, n*px, n*px), color.Palette{color.White, color.Black})
	for y := range n * px {
		row := img.Pix[y*img.Stride : y*img.Stride+n*px]
		for x := range row {
			if modules[y/px][x/px] {
				row[x] = 1
			}
		}
	}
	return img, px
}
