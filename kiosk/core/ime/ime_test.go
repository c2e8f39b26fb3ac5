package ime

import (
	"runtime"
	"slices"
	"testing"
)

func TestCandidates(t *testing.T) {
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		typed string
		first string // expected best candidate
		has   string // expected somewhere in the first 20
	}{
		{"zhang", "张", "章"},
		{"sichuan", "四川", ""},
		{"chengdu", "", "成都"},
		{"cd", "", "成都"},
		{"zhon", "中", ""}, // a syllable still being typed
		{"ZHANG", "张", ""},
	}
	for _, tt := range tests {
		got := d.Candidates(tt.typed, 20)
		if tt.first != "" && (len(got) == 0 || got[0] != tt.first) {
			t.Errorf("%s: first = %v, want %s", tt.typed, got, tt.first)
		}
		if tt.has != "" && !slices.Contains(got, tt.has) {
			t.Errorf("%s: %v lacks %s", tt.typed, got, tt.has)
		}
	}
	if got := d.Candidates("", 20); got != nil {
		t.Errorf("empty input gives %v", got)
	}
	if got := d.Candidates("zhang", 3); len(got) != 3 {
		t.Errorf("max not honoured: %v", got)
	}
}

func BenchmarkCandidates(b *testing.B) {
	d, err := Load()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.Candidates("zh", 30)
	}
}

func BenchmarkLoad(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := Load(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDictHeld reports the live heap a loaded dictionary holds
// (MB-held), which is what the kiosk keeps for the pinyin keyboard.
func BenchmarkDictHeld(b *testing.B) {
	var before, after runtime.MemStats
	var d *Dict
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&before)
		var err error
		if d, err = Load(); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
	}
	runtime.KeepAlive(d)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "MB-held")
}
