package profile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"empty takes defaults", "", ""},
		{"override", "kiosk_id: CD-07\ndivision_code: '500103'\ndevices:\n  printer:\n    port: /dev/kiosk/printer\n    paper_width: 58\n", ""},
		{"unknown key", "kiosk_idd: x\n", "field kiosk_idd not found"},
		{"bad division", "division_code: '110101'\n", "division_code"},
		{"bad paper", "devices:\n  printer:\n    paper_width: 60\n", "paper_width"},
		{"wrong type", "devices:\n  idcard:\n    baud: fast\n", "cannot unmarshal"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.name, []byte(tt.yaml))
		if tt.wantErr == "" && err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestLoadMissing(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "none.yaml")); err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Fatalf("err = %v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

func TestExampleProfileIsValid(t *testing.T) {
	if _, err := Load("../../packaging/kiosk.yaml"); err != nil {
		t.Fatal(err)
	}
}
