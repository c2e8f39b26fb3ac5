package ui

import (
	"runtime/debug"
	"testing"
)

// The technician screen names a build people can find: a release, or the
// commit and its date, never Go's "(devel)".
func TestVersion(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs.revision", Value: "1b217310c0ffee"}, {Key: "vcs.time", Value: "2026-12-05T17:00:00Z"}}
	for _, tc := range []struct {
		name    string
		bi      *debug.BuildInfo
		release string
		want    string
	}{
		{"no build info", nil, "", "开发版"},
		{"release", &debug.BuildInfo{GoVersion: "go1.24.1", Main: debug.Module{Version: "(devel)"}, Settings: vcs}, "1.4.0",
			"1.4.0 1b217310 2026-12-06 go1.24.1"},
		{"development build", &debug.BuildInfo{GoVersion: "go1.24.1", Main: debug.Module{Version: "(devel)"},
			Settings: append(vcs, debug.BuildSetting{Key: "vcs.modified", Value: "true"})},
			"", "开发版 1b217310 2026-12-06（有未提交的修改） go1.24.1"},
		{"module version", &debug.BuildInfo{GoVersion: "go1.24.1", Main: debug.Module{Version: "v1.2.3"}}, "", "v1.2.3 go1.24.1"},
	} {
		if got := version(tc.bi, tc.release); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
