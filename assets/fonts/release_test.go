package fonts

import (
	"crypto/sha256"
	"testing"
)

// TestReleaseKeepsTheFace: after Release the face reads back byte for
// byte the same (its pages come back from the executable), twice over.
func TestReleaseKeepsTheFace(t *testing.T) {
	if len(NotoSansCJKSC) < 1<<20 {
		t.Fatalf("face is %d bytes, want the 16 MB font", len(NotoSansCJKSC))
	}
	before := sha256.Sum256(NotoSansCJKSC)
	for i := range 2 {
		if err := Release(); err != nil {
			t.Fatal(err)
		}
		if got := sha256.Sum256(NotoSansCJKSC); got != before {
			t.Fatalf("round %d: face changed after Release", i)
		}
	}
	if string(NotoSansCJKSC[:4]) != "OTTO" {
		t.Errorf("face starts %q, want the OpenType CFF tag OTTO", NotoSansCJKSC[:4])
	}
}
