package camera

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
)

// MaxImagePixels is the largest image, in pixels, decoded from outside the
// kiosk (an image file, a camera frame): 50 megapixels. A PNG or JPEG
// header can claim any size in a few bytes, and the decoders allocate the
// claimed size before reading a pixel.
const MaxImagePixels = 50_000_000

// ErrImageTooLarge is an image whose header claims more than
// MaxImagePixels pixels.
var ErrImageTooLarge = errors.New("image too large")

// DecodeImage decodes a PNG or JPEG image from r, reading its header
// first: an image whose header claims more than MaxImagePixels pixels is
// refused with an error wrapping ErrImageTooLarge before any pixel memory
// is allocated. Every image from outside is decoded through it.
func DecodeImage(r io.Reader) (image.Image, error) {
	var head bytes.Buffer // what DecodeConfig read, to decode from the start
	cfg, format, err := image.DecodeConfig(io.TeeReader(r, &head))
	if err != nil {
		return nil, fmt.Errorf("read image header: %w", err)
	}
	if err := checkPixels(cfg.Width, cfg.Height); err != nil {
		return nil, fmt.Errorf("%s %w", format, err)
	}
	img, _, err := image.Decode(io.MultiReader(&head, r))
	if err != nil {
		return nil, fmt.Errorf("decode %s image: %w", format, err)
	}
	return img, nil
}

// checkPixels refuses a size above MaxImagePixels.
func checkPixels(w, h int) error {
	if w < 0 || h < 0 || int64(w)*int64(h) > MaxImagePixels {
		return fmt.Errorf("header claims %d×%d pixels: %w (the limit is %d megapixels)", w, h, ErrImageTooLarge, MaxImagePixels/1_000_000)
	}
	return nil
}

// loadImage decodes the image file at path with DecodeImage.
func loadImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodeImage(f)
}
