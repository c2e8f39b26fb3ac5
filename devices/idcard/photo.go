package idcard

import (
	"errors"
	"fmt"
	"image"
)

// ErrNoPhotoDecoder is returned by [DecodePhoto] when no decoder is
// installed, which is the default: callers show a placeholder instead.
var ErrNoPhotoDecoder = errors.New("idcard: no WLT photo decoder installed")

// PhotoDecoder turns the 1024-byte WLT photo block into a 102 × 126 image.
// No implementation ships with this package: WLT decoding needs a
// proprietary vendor library (devices.md §2.8). A build that has one may
// wrap it in a PhotoDecoder. Implementations must not keep or write the
// photo bytes anywhere; the caller wipes them with the session.
type PhotoDecoder interface {
	DecodePhoto(wlt []byte) (image.Image, error)
}

// DecodePhoto decodes wlt with d, or returns [ErrNoPhotoDecoder] if d is
// nil. Errors of d are wrapped.
func DecodePhoto(d PhotoDecoder, wlt []byte) (image.Image, error) {
	if d == nil {
		return nil, ErrNoPhotoDecoder
	}
	img, err := d.DecodePhoto(wlt)
	if err != nil {
		return nil, fmt.Errorf("idcard: decode WLT photo: %w", err)
	}
	return img, nil
}
