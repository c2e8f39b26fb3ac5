// Package locale names Chinese (zh_CN.UTF-8) as the kiosk's language when
// the environment names none Fyne can read. Imported for its side effect
// by cmd/kiosk only.
//
// Fyne's lang package reads LC_ALL, LC_MESSAGES, LANG and LANGUAGE while
// it is initialised, before main runs, and logs "Fyne error: Error parsing
// user locale C" on every start under C.UTF-8, the locale of systemd
// services and containers. This package's init fixes the environment
// first: it imports only os and strings, both dependencies of
// text/template, which Fyne's lang imports, and Go initialises a package
// as soon as its imports are, before any package whose import path sorts
// after it (the Go spec, "Package initialization"; sckiosk/... sorts
// before text/template). cmd/kiosk's test of a start without a display
// checks that no such line is printed.
package locale

import (
	"os"
	"strings"
)

// Messages is the kiosk's language when the environment names none.
const Messages = "zh_CN.UTF-8"

func init() {
	for name, value := range Fix(os.Getenv) {
		if value == "" {
			os.Unsetenv(name)
		} else {
			os.Setenv(name, value)
		}
	}
}

// Fix returns the changes to the environment (variable -> value, "" to
// unset) that make the language (LC_MESSAGES) Messages when getenv names
// none, or only C or POSIX (C.UTF-8 included), which Fyne cannot parse.
// Only the language changes: the character type and the other categories
// stay as they were (C.UTF-8 stays UTF-8), and a real locale
// (en_US.UTF-8) is kept. As in gettext, LC_ALL overrides LC_MESSAGES,
// which overrides LANG; a C in LANGUAGE is dropped.
func Fix(getenv func(string) string) map[string]string {
	out := map[string]string{}
	if l := getenv("LANGUAGE"); l != "" {
		for _, item := range strings.Split(l, ":") {
			if item == "" || isC(item) {
				out["LANGUAGE"] = ""
				break
			}
		}
	}
	if all := getenv("LC_ALL"); all != "" {
		if isC(all) {
			// LC_ALL would override LC_MESSAGES: it goes, and LANG keeps
			// its value for every other category.
			out["LC_ALL"], out["LANG"], out["LC_MESSAGES"] = "", all, Messages
		}
		return out
	}
	msg := getenv("LC_MESSAGES")
	if msg == "" {
		msg = getenv("LANG")
	}
	if msg == "" || isC(msg) {
		out["LC_MESSAGES"] = Messages
	}
	return out
}

// isC reports whether v is the C or POSIX locale, with or without a
// codeset (C.UTF-8, C.utf8, POSIX.UTF-8).
func isC(v string) bool {
	base, _, _ := strings.Cut(v, ".")
	base, _, _ = strings.Cut(base, "@")
	return base == "C" || base == "POSIX"
}
