package platform

import "testing"

func TestGradeText(t *testing.T) {
	for g, want := range map[int]string{0: "", 1: "非常满意", 2: "满意", 3: "基本满意", 4: "不满意", 5: "非常不满意", 6: ""} {
		if got := GradeText(g); got != want {
			t.Errorf("GradeText(%d) = %q, want %q", g, got, want)
		}
	}
}
