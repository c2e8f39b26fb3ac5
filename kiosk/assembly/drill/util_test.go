package drill

import (
	"bytes"
	"strings"
)

func splitLines(b []byte) []string { return strings.Split(string(bytes.TrimSpace(b)), "\n") }

func containsStr(s, sub string) bool { return strings.Contains(s, sub) }
