package idcardsim

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"testing"
	"time"

	"sckiosk/devices/idcard"
)

// simLink runs a Sim on in-memory pipes and lets the test play the host.
type simLink struct {
	t    *testing.T
	sim  *Sim
	in   *io.PipeWriter // host → sim
	out  *io.PipeReader // sim → host
	done chan error
}

type duplex struct {
	io.Reader
	io.Writer
}

func newSimLink(t *testing.T) *simLink {
	t.Helper()
	return newSimLinkWith(t, SimOptions{})
}

func newSimLinkWith(t *testing.T, opts SimOptions) *simLink {
	t.Helper()
	hostR, simW := io.Pipe()
	simR, hostW := io.Pipe()
	l := &simLink{t: t, sim: NewSimWith(duplex{simR, simW}, opts, testLog()), in: hostW, out: hostR, done: make(chan error, 1)}
	go func() { l.done <- l.sim.Serve(context.Background()) }()
	t.Cleanup(func() {
		hostW.Close()
		select {
		case err := <-l.done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return at end of stream")
		}
	})
	return l
}

// send writes raw bytes and returns the raw reply frame.
func (l *simLink) send(frame []byte) []byte {
	l.t.Helper()
	go func() { _, _ = l.in.Write(frame) }()
	hdr := make([]byte, 7)
	if _, err := io.ReadFull(l.out, hdr); err != nil {
		l.t.Fatal(err)
	}
	rest := make([]byte, binary.BigEndian.Uint16(hdr[5:]))
	if _, err := io.ReadFull(l.out, rest); err != nil {
		l.t.Fatal(err)
	}
	return append(hdr, rest...)
}

func TestSimAnswers(t *testing.T) {
	l := newSimLink(t)
	card := idcard.SampleCard()
	text, err := idcard.EncodeText(card)
	if err != nil {
		t.Fatal(err)
	}
	place := func() {
		if err := l.sim.Place(card); err != nil {
			t.Fatal(err)
		}
	}
	const (
		ok       = "AA AA AA 96 69 00 04 00 00 90 94"
		found    = "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"
		noCard   = "AA AA AA 96 69 00 04 00 00 80 84"
		selected = "AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C"
		noSelect = "AA AA AA 96 69 00 04 00 00 81 85"
		readFail = "AA AA AA 96 69 00 04 00 00 41 45"
	)
	steps := []struct {
		name   string
		before func()
		send   []byte
		want   string // complete reply, or its first bytes when wantLen is set
		len    int
	}{
		{name: "status", send: idcard.OpStatus.Encode(nil), want: ok},
		{name: "reset", send: idcard.OpReset.Encode(nil), want: ok},
		{name: "max rf", send: idcard.OpMaxRF.Encode([]byte{0x50}), want: ok},
		{name: "max rf without value", send: idcard.OpMaxRF.Encode(nil), want: "AA AA AA 96 69 00 04 00 00 21 25"},
		{name: "sam id", send: idcard.OpSAMID.Encode(nil), want: "AA AA AA 96 69 00 14 00 00 90 05 00 01 00", len: 27},
		{name: "find, empty field", send: idcard.OpFind.Encode(nil), want: noCard},
		{name: "select, empty field", send: idcard.OpSelect.Encode(nil), want: noSelect},
		{name: "read, empty field", send: idcard.OpRead.Encode(nil), want: readFail},
		{name: "find, card", before: place, send: idcard.OpFind.Encode(nil), want: found},
		{name: "select", send: idcard.OpSelect.Encode(nil), want: selected},
		{name: "read", send: idcard.OpRead.Encode(nil), want: "AA AA AA 96 69 05 08 00 00 90 01 00 04 00", len: 1295},
		{name: "read again without find/select", send: idcard.OpRead.Encode(nil), want: readFail},
		{name: "select without find", send: idcard.OpSelect.Encode(nil), want: noSelect},
		{name: "find, card still there", send: idcard.OpFind.Encode(nil), want: found},
		{name: "select 2", send: idcard.OpSelect.Encode(nil), want: selected},
		{name: "read with fingerprint", send: idcard.OpReadFP.Encode(nil), want: "AA AA AA 96 69 05 0A 00 00 90 01 00 04 00 00 00", len: 1297},
		{name: "appended address", send: idcard.OpReadAddress.Encode(nil), want: "AA AA AA 96 69 00 04 00 00 91 95"},
		{name: "fault", before: func() { l.sim.SetFault(idcard.SW3ReadFailed) }, send: idcard.OpRead.Encode(nil), want: readFail},
		{name: "bad checksum", send: []byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x23}, want: "AA AA AA 96 69 00 04 00 00 10 14"},
		{name: "bad length", send: []byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0xFF, 0x00}, want: "AA AA AA 96 69 00 04 00 00 11 15"},
		{name: "unknown command", send: idcard.EncodeCommand(0x60, 0x00, nil), want: "AA AA AA 96 69 00 04 00 00 21 25"},
		{name: "find after removal", before: l.sim.Remove, send: idcard.OpFind.Encode(nil), want: noCard},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		got := l.send(st.send)
		want := hx(t, st.want)
		if st.len == 0 {
			if !bytes.Equal(got, want) {
				t.Errorf("%s: got % X, want % X", st.name, got, want)
			}
			continue
		}
		if len(got) != st.len || !bytes.HasPrefix(got, want) {
			t.Errorf("%s: got %d bytes % X…, want %d bytes % X…", st.name, len(got), got[:min(len(got), 16)], st.len, want)
		}
		if st.name == "read" {
			if !bytes.Equal(got[14:270], text) || !bytes.Equal(got[270:1294], card.Photo) {
				t.Errorf("read: text or photo block differs")
			}
		}
	}
	if l.sim.Present() {
		t.Error("Present after Remove")
	}
	if n := l.sim.Served(idcard.OpFind); n != 4 {
		t.Errorf("served %d finds, want 4", n)
	}
}

func TestSimNoiseAndCorruption(t *testing.T) {
	l := newSimLink(t)
	l.sim.InjectGarbage(100)
	go func() { _, _ = l.in.Write(idcard.OpStatus.Encode(nil)) }()
	r := idcard.NewFrameReader(l.out)
	resp, err := r.ReadResponse()
	if err != nil || resp.SW3 != idcard.SW3OK {
		t.Fatalf("after noise: %+v, %v", resp, err)
	}
	if r.Discarded() != 100 {
		t.Errorf("discarded %d, want 100", r.Discarded())
	}
	l.sim.CorruptNextReply()
	go func() { _, _ = l.in.Write(idcard.OpStatus.Encode(nil)) }()
	if _, err := r.ReadResponse(); err == nil {
		t.Fatal("corrupted reply read without error")
	}
	go func() { _, _ = l.in.Write(idcard.OpStatus.Encode(nil)) }()
	if resp, err := r.ReadResponse(); err != nil || resp.SW3 != idcard.SW3OK {
		t.Fatalf("next reply: %+v, %v", resp, err)
	}
}

func TestSimPlaceErrors(t *testing.T) {
	s := NewSim(duplex{}, nil)
	c := idcard.SampleCard()
	c.Nation = "火星"
	if err := s.Place(c); err == nil {
		t.Error("Place accepted an unknown nation")
	}
	c = idcard.SampleCard()
	c.Photo = make([]byte, idcard.PhotoSize+1)
	if err := s.Place(c); err == nil {
		t.Error("Place accepted an oversized photo")
	}
	if err := s.PlaceBlocks(make([]byte, 10), nil); err == nil {
		t.Error("PlaceBlocks accepted a short text block")
	}
	if s.Present() {
		t.Error("a failed Place left a card in the field")
	}
}
