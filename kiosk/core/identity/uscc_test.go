package identity

import (
	"errors"
	"testing"
)

func TestValidateUSCC(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"91510100MA6CXY1243", nil}, // platform.md, computed examples
		{"92500103MA5U7K3Q8C", nil},
		{"11511300008778693M", nil}, // real government codes
		{"115113010833722043", nil},
		{"11100000000013338W", nil},
		{"91510100ma6cxy1243", nil}, // lower case is accepted
		{"91510100MA6CXY1244", ErrUSCCChecksum},
		{"91350203M0001QAY9B", ErrUSCCChecksum}, // a real-world code that fails its check
		{"91510100MA6CXY124", ErrUSCCLength},
		{"9151010OMA6CXY1243", ErrUSCCChars}, // letter O
	}
	for _, tt := range tests {
		if err := ValidateUSCC(tt.in); !errors.Is(err, tt.want) && !(err == nil && tt.want == nil) {
			t.Errorf("ValidateUSCC(%q) = %v, want %v", tt.in, err, tt.want)
		}
	}
}
