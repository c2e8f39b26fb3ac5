package locale

import (
	"maps"
	"testing"
)

func TestFix(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want map[string]string
	}{
		{"nothing set", nil, map[string]string{"LC_MESSAGES": Messages}},
		{"LANG=C.UTF-8 (systemd, containers)", map[string]string{"LANG": "C.UTF-8"}, map[string]string{"LC_MESSAGES": Messages}},
		{"LANG=C.utf8", map[string]string{"LANG": "C.utf8"}, map[string]string{"LC_MESSAGES": Messages}},
		{"LANG=C", map[string]string{"LANG": "C"}, map[string]string{"LC_MESSAGES": Messages}},
		{"LANG=POSIX", map[string]string{"LANG": "POSIX"}, map[string]string{"LC_MESSAGES": Messages}},
		{"already Chinese", map[string]string{"LANG": "zh_CN.UTF-8"}, map[string]string{}},
		{"a real locale is kept", map[string]string{"LANG": "en_US.UTF-8"}, map[string]string{}},
		{"LC_MESSAGES real, LANG C", map[string]string{"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "C.UTF-8"}, map[string]string{}},
		{"LC_MESSAGES=C.UTF-8 decides", map[string]string{"LC_MESSAGES": "C.UTF-8", "LANG": "zh_CN.UTF-8"}, map[string]string{"LC_MESSAGES": Messages}},
		{"LC_ALL=C.UTF-8 overrides all", map[string]string{"LC_ALL": "C.UTF-8", "LANG": "en_US.UTF-8"},
			map[string]string{"LC_ALL": "", "LANG": "C.UTF-8", "LC_MESSAGES": Messages}},
		{"LC_ALL real, LANG C", map[string]string{"LC_ALL": "zh_CN.UTF-8", "LANG": "C"}, map[string]string{}},
		{"LANGUAGE with C", map[string]string{"LANGUAGE": "zh_CN:C", "LANG": "zh_CN.UTF-8"}, map[string]string{"LANGUAGE": ""}},
		{"LANGUAGE real, LANG C", map[string]string{"LANGUAGE": "zh_CN:en", "LANG": "C.UTF-8"}, map[string]string{"LC_MESSAGES": Messages}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Fix(func(k string) string { return tt.env[k] })
			if !maps.Equal(got, tt.want) {
				t.Errorf("Fix(%v) = %v, want %v", tt.env, got, tt.want)
			}
		})
	}
}
