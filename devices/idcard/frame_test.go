package idcard

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
)

// hx parses "AA AA 96" style hex.
func hx(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// Every complete host frame of devices.md §1.3.
func TestEncodeCommand(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"reset", OpReset.Encode(nil), "AA AA AA 96 69 00 03 10 FF EC"},
		{"status", OpStatus.Encode(nil), "AA AA AA 96 69 00 03 11 FF ED"},
		{"sam id", OpSAMID.Encode(nil), "AA AA AA 96 69 00 03 12 FF EE"},
		{"find", OpFind.Encode(nil), "AA AA AA 96 69 00 03 20 01 22"},
		{"select", OpSelect.Encode(nil), "AA AA AA 96 69 00 03 20 02 21"},
		{"read", OpRead.Encode(nil), "AA AA AA 96 69 00 03 30 01 32"},
		{"appended address", OpReadAddress.Encode(nil), "AA AA AA 96 69 00 03 30 03 30"},
		{"read fingerprint", OpReadFP.Encode(nil), "AA AA AA 96 69 00 03 30 10 23"},
		{"baud 115200", EncodeCommand(0x60, 0x00, nil), "AA AA AA 96 69 00 03 60 00 63"},
		{"baud 57600", EncodeCommand(0x60, 0x01, nil), "AA AA AA 96 69 00 03 60 01 62"},
		{"baud 38400", EncodeCommand(0x60, 0x02, nil), "AA AA AA 96 69 00 03 60 02 61"},
		{"baud 19200", EncodeCommand(0x60, 0x03, nil), "AA AA AA 96 69 00 03 60 03 60"},
		{"baud 9600", EncodeCommand(0x60, 0x04, nil), "AA AA AA 96 69 00 03 60 04 67"},
		{"max rf", OpMaxRF.Encode([]byte{0x50}), "AA AA AA 96 69 00 04 61 FF 50 CA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if want := hx(t, tt.want); !bytes.Equal(tt.got, want) {
				t.Errorf("got % X, want % X", tt.got, want)
			}
		})
	}
}

// The byte-exact responses of devices.md §1.5.
func TestEncodeResponse(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"find present", EncodeResponse(0, 0, 0x9F, make([]byte, 4)), "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"},
		{"find none", EncodeResponse(0, 0, 0x80, nil), "AA AA AA 96 69 00 04 00 00 80 84"},
		{"select ok", EncodeResponse(0, 0, 0x90, make([]byte, 8)), "AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C"},
		{"select failed", EncodeResponse(0, 0, 0x81, nil), "AA AA AA 96 69 00 04 00 00 81 85"},
		{"read failed", EncodeResponse(0, 0, 0x41, nil), "AA AA AA 96 69 00 04 00 00 41 45"},
		{"ok", EncodeResponse(0, 0, 0x90, nil), "AA AA AA 96 69 00 04 00 00 90 94"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if want := hx(t, tt.want); !bytes.Equal(tt.got, want) {
				t.Errorf("got % X, want % X", tt.got, want)
			}
		})
	}
	t.Run("read 30 01", func(t *testing.T) {
		f := readFrameBytes(t)
		if len(f) != 1295 {
			t.Fatalf("len = %d, want 1295", len(f))
		}
		if want := hx(t, "AA AA AA 96 69 05 08 00 00 90 01 00 04 00"); !bytes.Equal(f[:14], want) {
			t.Errorf("header % X, want % X", f[:14], want)
		}
	})
	t.Run("sam id", func(t *testing.T) {
		f := EncodeResponse(0, 0, 0x90, make([]byte, 16))
		if want := hx(t, "AA AA AA 96 69 00 14 00 00 90"); len(f) != 27 || !bytes.Equal(f[:10], want) {
			t.Errorf("got % X (len %d)", f, len(f))
		}
	})
}

// readFrameBytes is the 1295-byte answer to 30 01 for the sample card.
func readFrameBytes(t testing.TB) []byte {
	t.Helper()
	c := SampleCard()
	text, err := EncodeText(c)
	if err != nil {
		t.Fatal(err)
	}
	data := append([]byte{0x01, 0x00, 0x04, 0x00}, text...)
	return EncodeResponse(0, 0, 0x90, append(data, c.Photo...))
}

func TestReadFrame(t *testing.T) {
	find := "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"
	tests := []struct {
		name    string
		in      string
		want    []string // payloads of the frames read before the final error
		wantErr error
		skipped int64
	}{
		{name: "find present", in: find, want: []string{"00 00 9F 00 00 00 00"}, wantErr: io.EOF},
		{name: "command", in: "AA AA AA 96 69 00 04 61 FF 50 CA", want: []string{"61 FF 50"}, wantErr: io.EOF},
		{name: "garbage before", in: "00 13 FF 96 69 AA 96 69 " + find, want: []string{"00 00 9F 00 00 00 00"}, wantErr: io.EOF, skipped: 8},
		{name: "partial preambles", in: "AA AA 96 69 AA AA AA 96 00 AA AA AA 96 AA " + find, want: []string{"00 00 9F 00 00 00 00"}, wantErr: io.EOF, skipped: 14},
		{name: "four sync bytes", in: "AA " + find, want: []string{"00 00 9F 00 00 00 00"}, wantErr: io.EOF, skipped: 1},
		{name: "two frames with noise", in: "AA AA AA 96 69 00 04 00 00 80 84 55 AA 96 69 " + find, want: []string{"00 00 80", "00 00 9F 00 00 00 00"}, wantErr: io.EOF, skipped: 4},
		{name: "bad checksum", in: "AA AA AA 96 69 00 04 00 00 80 85", wantErr: ErrChecksum},
		{name: "length too small", in: "AA AA AA 96 69 00 02 00 02", wantErr: ErrLength},
		{name: "length zero", in: "AA AA AA 96 69 00 00", wantErr: ErrLength},
		{name: "length too large", in: "AA AA AA 96 69 10 01 00 00 90", wantErr: ErrLength},
		{name: "truncated body", in: "AA AA AA 96 69 00 08 00 00 9F 00", wantErr: io.ErrUnexpectedEOF},
		{name: "truncated length", in: "AA AA AA 96 69 00", wantErr: io.ErrUnexpectedEOF},
		{name: "empty", in: "", wantErr: io.EOF},
		{name: "only noise", in: "01 02 03", wantErr: io.EOF, skipped: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewFrameReader(bytes.NewReader(hx(t, tt.in)))
			var got []string
			var err error
			for {
				var f Frame
				if f, err = r.ReadFrame(); err != nil {
					break
				}
				got = append(got, strings.ToUpper(hex.EncodeToString(f.Payload)))
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("frames = %v, want %v", got, tt.want)
			}
			for i := range got {
				if want := strings.ReplaceAll(tt.want[i], " ", ""); got[i] != want {
					t.Errorf("frame %d = %s, want %s", i, got[i], want)
				}
			}
			if tt.skipped != 0 && r.Discarded() != tt.skipped {
				t.Errorf("discarded %d, want %d", r.Discarded(), tt.skipped)
			}
		})
	}
}

func TestReadFrameRecoversAfterErrors(t *testing.T) {
	var in []byte
	in = append(in, hx(t, "AA AA AA 96 69 00 04 00 00 80 85")...) // bad checksum
	in = append(in, hx(t, "AA AA AA 96 69 FF FF")...)             // bad length
	in = append(in, hx(t, "AA AA AA 96 69 00 04 00 00 41 45")...) // good
	r := NewFrameReader(bytes.NewReader(in))
	if _, err := r.ReadResponse(); !errors.Is(err, ErrChecksum) {
		t.Fatalf("first: %v, want ErrChecksum", err)
	}
	if _, err := r.ReadResponse(); !errors.Is(err, ErrLength) {
		t.Fatalf("second: %v, want ErrLength", err)
	}
	resp, err := r.ReadResponse()
	if err != nil {
		t.Fatal(err)
	}
	var se *StatusError
	if !errors.As(resp.Err(), &se) || se.SW3 != SW3ReadFailed {
		t.Fatalf("third: %+v, want status 41", resp)
	}
}

func TestFrameDecode(t *testing.T) {
	r := NewFrameReader(bytes.NewReader(readFrameBytes(t)))
	resp, err := r.ReadResponse()
	if err != nil {
		t.Fatal(err)
	}
	if resp.SW1 != 0 || resp.SW2 != 0 || resp.SW3 != 0x90 || len(resp.Data) != 4+256+1024 || resp.Err() != nil {
		t.Fatalf("resp = %02X %02X %02X, %d bytes, err %v", resp.SW1, resp.SW2, resp.SW3, len(resp.Data), resp.Err())
	}
	r = NewFrameReader(bytes.NewReader(OpMaxRF.Encode([]byte{0x50})))
	cmd, err := r.ReadCommand()
	if err != nil {
		t.Fatal(err)
	}
	if cmd.Op() != OpMaxRF || cmd.Cmd != 0x61 || cmd.Para != 0xFF || !bytes.Equal(cmd.Data, []byte{0x50}) {
		t.Fatalf("cmd = %+v", cmd)
	}
	if _, err := (Frame{Payload: []byte{0x20}}).Command(); !errors.Is(err, ErrLength) {
		t.Errorf("short command: %v", err)
	}
	if _, err := (Frame{Payload: []byte{0, 0}}).Response(); !errors.Is(err, ErrLength) {
		t.Errorf("short response: %v", err)
	}
}

func TestOpString(t *testing.T) {
	if got := OpFind.String(); got != "find(20 01)" {
		t.Errorf("OpFind = %q", got)
	}
	if got := Op(0x6004).String(); got != "op(60 04)" {
		t.Errorf("Op(0x6004) = %q", got)
	}
}

func TestEncodePanicsBeyondMax(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for an oversized frame")
		}
	}()
	EncodeResponse(0, 0, 0x90, make([]byte, MaxFrameLen))
}

func FuzzReadFrame(f *testing.F) {
	f.Add(hx(f, "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"))
	f.Add(hx(f, "AA AA AA AA 96 69 00 04 00 00 80 84 AA AA 96 69"))
	f.Add(hx(f, "AA AA AA 96 69 FF FF 00"))
	f.Add(hx(f, "AA AA AA 96 69 00 03 20 01 22 AA AA AA 96 69 10 00"))
	f.Add(readFrameBytes(f))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := NewFrameReader(bytes.NewReader(in))
		for range len(in) + 1 {
			fr, err := r.ReadFrame()
			if errors.Is(err, ErrChecksum) || errors.Is(err, ErrLength) {
				continue
			}
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if n := len(fr.Payload) + 1; n < MinFrameLen || n > MaxFrameLen || cap(fr.Payload) > MaxFrameLen {
				t.Fatalf("frame LEN %d (cap %d) outside limits", n, cap(fr.Payload))
			}
			// A frame read back re-encodes to a frame that reads the same.
			again, err := NewFrameReader(bytes.NewReader(encode(nil, fr.Payload))).ReadFrame()
			if err != nil || !bytes.Equal(again.Payload, fr.Payload) {
				t.Fatalf("re-encoded frame: %v, % X vs % X", err, again.Payload, fr.Payload)
			}
		}
		t.Fatal("reader did not reach the end of the input")
	})
}

func BenchmarkReadFrame(b *testing.B) {
	frame := readFrameBytes(b)
	src := &loopReader{b: frame}
	r := NewFrameReader(src)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.ReadFrame(); err != nil {
			b.Fatal(err)
		}
	}
}

// loopReader repeats b forever.
type loopReader struct {
	b   []byte
	off int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.b[l.off:])
	l.off = (l.off + n) % len(l.b)
	return n, nil
}

func TestFrameReaderWipeZeroesBufferedCardBytes(t *testing.T) {
	text, err := EncodeText(SampleCard())
	if err != nil {
		t.Fatal(err)
	}
	frame := EncodeResponse(0, 0, 0x90, append([]byte{1, 0, 4, 0}, append(text, make([]byte, 1024)...)...))
	fr := NewFrameReader(bytes.NewReader(frame))
	resp, err := fr.ReadResponse()
	if err != nil {
		t.Fatal(err)
	}
	clear(resp.Data)
	name := text[:4] // the first two characters of the name, UTF-16LE
	if !bytes.Contains(fr.br.buf, name) {
		t.Fatal("test is vacuous: the name is not in the buffer before the wipe")
	}
	fr.Wipe()
	if bytes.Contains(fr.br.buf, name) {
		t.Fatal("card bytes survive the wipe")
	}
}
