package qrpayload

import (
	"strings"

	"sckiosk/kiosk/core/identity"
)

// ELicenceRoot is the root OID of every e-licence identifier (GB/T 36904).
const ELicenceRoot = "1.2.156.3005.2."

const alnum36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// Mod3736Check returns the ISO/IEC 7064 MOD 37,36 check character of s
// (characters 0–9, A–Z; other characters make ok false).
func Mod3736Check(s string) (c byte, ok bool) {
	p := 36
	for i := 0; i < len(s); i++ {
		v := strings.IndexByte(alnum36, s[i])
		if v < 0 {
			return 0, false
		}
		p = (p + v) % 36
		if p == 0 {
			p = 36
		}
		p = (2 * p) % 37
	}
	cv := (1 - p + 36*2) % 36
	return alnum36[cv], true
}

// ValidELicenceID reports whether id is a well-formed GB/T 36904 e-licence
// identifier: the root, five fields (证照类型代码, 颁发机构代码, 流水号,
// 版本号, 校验位) and a correct MOD 37,36 check character over the first four
// fields with the dots removed. badCheck tells a wrong check character from
// a malformed identifier.
func ValidELicenceID(id string) (ok, badCheck bool) {
	rest, found := strings.CutPrefix(id, ELicenceRoot)
	if !found || len(id) > 160 {
		return false, false
	}
	f := strings.Split(rest, ".")
	if len(f) != 5 {
		return false, false
	}
	typ, issuer, serial, version, check := f[0], f[1], f[2], f[3], f[4]
	if len(typ) != 21 || !isAlnumUpper(typ) || !allDigits(typ[18:]) ||
		len(issuer) < 1 || len(issuer) > 18 || !isAlnumUpper(issuer) ||
		len(serial) < 1 || len(serial) > 64 || !isAlnumUpper(serial) ||
		len(version) != 3 || !allDigits(version) || len(check) != 1 {
		return false, false
	}
	c, ok := Mod3736Check(typ + issuer + serial + version)
	if !ok {
		return false, false
	}
	if c != check[0] {
		return false, true
	}
	return true, false
}

// ValidUSCC reports whether code is an 18-character unified social credit
// code (统一社会信用代码) with a correct GB 32100 check character (see
// identity.ValidateUSCC, which this defers to).
func ValidUSCC(code string) bool {
	return len(code) == 18 && identity.ValidateUSCC(code) == nil
}

func isAlnumUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(alnum36, s[i]) < 0 {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isToken reports whether s is 1..max characters of A–Z a–z 0–9 - _.
func isToken(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
