//go:build linux

package camera

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/blackjack/webcam"
)

// V4L2 pixel formats the source accepts.
const (
	fourccYUYV  = webcam.PixelFormat(0x56595559) // 'YUYV'
	fourccMJPEG = webcam.PixelFormat(0x47504A4D) // 'MJPG'
)

// V4L2Source captures from a V4L2 device (e.g. /dev/video0) through
// github.com/blackjack/webcam. YUYV frames give their Y bytes without
// decoding (preferred); MJPEG frames are JPEG-decoded and the Y plane taken.
type V4L2Source struct {
	cam    *webcam.Webcam
	format webcam.PixelFormat
	w, h   int
	gray   []byte
}

var _ Source = (*V4L2Source)(nil)

// OpenV4L2 opens dev and starts streaming width×height (YUYV if offered,
// else MJPEG).
func OpenV4L2(dev string, width, height int) (*V4L2Source, error) {
	cam, err := webcam.Open(dev)
	if err != nil {
		return nil, fmt.Errorf("camera: open %s: %w", dev, err)
	}
	formats := cam.GetSupportedFormats()
	want := webcam.PixelFormat(0)
	for _, f := range []webcam.PixelFormat{fourccYUYV, fourccMJPEG} {
		if _, ok := formats[f]; ok {
			want = f
			break
		}
	}
	if want == 0 {
		cam.Close()
		return nil, fmt.Errorf("camera: %s offers neither YUYV nor MJPEG", dev)
	}
	f, w, h, err := cam.SetImageFormat(want, uint32(width), uint32(height))
	if err != nil {
		cam.Close()
		return nil, fmt.Errorf("camera: set format on %s: %w", dev, err)
	}
	if err := cam.SetBufferCount(2); err != nil {
		cam.Close()
		return nil, fmt.Errorf("camera: buffers on %s: %w", dev, err)
	}
	if err := cam.StartStreaming(); err != nil {
		cam.Close()
		return nil, fmt.Errorf("camera: stream %s: %w", dev, err)
	}
	return &V4L2Source{cam: cam, format: f, w: int(w), h: int(h)}, nil
}

// Next waits for the next frame (polling ctx every 200 ms) and returns it
// as gray.
func (s *V4L2Source) Next(ctx context.Context) (Frame, error) {
	for {
		if err := ctx.Err(); err != nil {
			return Frame{}, err
		}
		err := s.cam.WaitForFrame(200)
		var to *webcam.Timeout
		if errors.As(err, &to) {
			continue
		}
		if err != nil {
			return Frame{}, fmt.Errorf("camera: wait frame: %w", err)
		}
		raw, idx, err := s.cam.GetFrame()
		if err != nil {
			return Frame{}, fmt.Errorf("camera: get frame: %w", err)
		}
		if len(raw) == 0 {
			continue
		}
		f, convErr := s.toGray(raw)
		if err := s.cam.ReleaseFrame(idx); err != nil {
			return Frame{}, fmt.Errorf("camera: release frame: %w", err)
		}
		if convErr != nil {
			continue // a torn MJPEG frame: skip it
		}
		return f, nil
	}
}

func (s *V4L2Source) toGray(raw []byte) (Frame, error) {
	if s.format == fourccYUYV {
		n := s.w * s.h
		if len(raw) < 2*n {
			return Frame{}, errors.New("camera: short YUYV frame")
		}
		if cap(s.gray) < n {
			s.gray = make([]byte, n)
		}
		g := s.gray[:n]
		for i := range g {
			g[i] = raw[2*i]
		}
		return Frame{Pix: g, Width: s.w, Height: s.h, Stride: s.w}, nil
	}
	img, err := DecodeImage(bytes.NewReader(raw))
	if err != nil {
		return Frame{}, fmt.Errorf("camera: mjpeg: %w", err)
	}
	f := GrayFromImage(img, s.gray)
	s.gray = f.Pix
	return f, nil
}

// Close stops streaming and closes the device.
func (s *V4L2Source) Close() error {
	_ = s.cam.StopStreaming()
	if err := s.cam.Close(); err != nil {
		return fmt.Errorf("camera: close: %w", err)
	}
	return nil
}
