package privacy

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

var who = Identity{Name: "张三丰", Number: "11010519491231002X", Address: "四川省成都市武侯区人民南路四段1号", Phone: "13812345678"}

func TestScanFindsEveryEncoding(t *testing.T) {
	gb, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(who.Address))
	tests := []struct {
		name, content string
		category      string
		encoding      string
	}{
		{"clean", "nothing here: 张* 1101**********002X 138****5678", "", ""},
		{"utf8 name", "applicant=张三丰;", "name", "utf-8"},
		{"gb18030 address", "x" + string(gb), "address", "gb18030"},
		{"utf16 number", "\x00" + string(utf16le(who.Number)), "id_number", "utf-16le"},
		{"phone", "tel 13812345678", "phone", "utf-8"},
		{"another valid number", "id=440524188001010014", "id_shaped", "utf-8"},
		{"another valid number utf16", string(utf16le("440524188001010014")), "id_shaped", "utf-16le"},
		{"invalid check digit is not a number", "id=440524188001010015", "", ""},
		{"a valid window inside a longer digit run is a timestamp, not a number", "t=1764118722" + "440524188001010014" + "000", "", ""},
		{"a valid number between letters", "a440524188001010014b", "id_shaped", "utf-8"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
		os.WriteFile(filepath.Join(dir, "sub", "f.bin"), []byte(tt.content), 0o600)
		hits, err := Scan(dir, []Identity{who})
		if err != nil {
			t.Fatal(err)
		}
		if tt.category == "" {
			if len(hits) != 0 {
				t.Errorf("%s: hits %v", tt.name, hits)
			}
			continue
		}
		if len(hits) != 1 || hits[0].Category != tt.category || hits[0].Encoding != tt.encoding {
			t.Errorf("%s: hits %v, want one %s in %s", tt.name, hits, tt.category, tt.encoding)
			continue
		}
		if strings.Contains(hits[0].String(), who.Number) || strings.Contains(hits[0].String(), "三丰") {
			t.Errorf("%s: the hit report leaks: %s", tt.name, hits[0])
		}
	}
}

func TestHandlerMasksNumbers(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(NewHandler(slog.NewTextHandler(&buf, nil)))
	log.With("who", "11010519491231002X").Info("read 11010519491231002X", "card", struct{ N string }{"11010519491231002X"},
		"err", os.ErrNotExist, slog.Group("g", "n", "11010519491231002X"), "count", 3)
	out := buf.String()
	if strings.Contains(out, "11010519491231002X") {
		t.Fatalf("log leaks: %s", out)
	}
	if strings.Count(out, "1101**********002X") != 4 || !strings.Contains(out, "count=3") {
		t.Fatalf("log = %s", out)
	}
}
