package scanner

import (
	"bytes"
	"io"
	"log/slog"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestLineReader(t *testing.T) {
	gbk, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("四川省"))
	tests := []struct {
		name string
		in   [][]byte
		want []Event
	}{
		{"cr", [][]byte{[]byte("abc\r")}, []Event{{Text: "abc"}}},
		{"crlf", [][]byte{[]byte("abc\r\n")}, []Event{{Text: "abc"}}},
		{"split across reads", [][]byte{[]byte("ab"), []byte("c\ndef\n")}, []Event{{Text: "abc"}, {Text: "def"}}},
		{"utf8", [][]byte{[]byte("四川省\r")}, []Event{{Text: "四川省"}}},
		{"gbk", [][]byte{append(gbk, '\r')}, []Event{{Text: "四川省"}}},
		{"too long then recovers", [][]byte{bytes.Repeat([]byte("x"), 20), []byte("yy\rok\r")}, []Event{{Err: ErrTooLong}, {Text: "ok"}}},
		{"empty lines skipped", [][]byte{[]byte("\r\n\r\n")}, nil},
	}
	for _, tt := range tests {
		l := NewLineReader(16)
		var got []Event
		for _, p := range tt.in {
			got = append(got, l.Feed(p)...)
		}
		if len(got) != len(tt.want) {
			t.Fatalf("%s: got %v, want %v", tt.name, got, tt.want)
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Fatalf("%s: got %v, want %v", tt.name, got, tt.want)
			}
		}
	}
}

func FuzzLineReader(f *testing.F) {
	f.Add([]byte("abc\r\n"))
	f.Add(bytes.Repeat([]byte{0xff}, 100))
	f.Fuzz(func(t *testing.T, b []byte) {
		l := NewLineReader(64)
		for _, ev := range l.Feed(b) {
			if len(ev.Text) > 64*3 {
				t.Fatalf("code longer than the limit: %d", len(ev.Text))
			}
		}
		if cap(l.buf) > 128 {
			t.Fatalf("buffer grew to %d", cap(l.buf))
		}
	})
}

func TestForgetDropsTheLastCode(t *testing.T) {
	d := New(Options{Dedup: time.Hour}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if d.repeat("TFTB:1:x") || !d.repeat("TFTB:1:x") {
		t.Fatal("dedup does not work")
	}
	d.Forget()
	if d.last != "" || d.repeat("TFTB:1:x") {
		t.Fatal("the code outlives Forget")
	}
}
