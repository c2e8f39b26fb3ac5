package identity

import (
	"errors"
	"fmt"
	"strings"
)

// usccAlphabet is GB 32100's 31 characters (no I, O, S, V, Z).
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// Errors from unified social credit code validation.
var (
	ErrUSCCLength   = errors.New("unified social credit code must have 18 characters")
	ErrUSCCChars    = errors.New("unified social credit code has a character outside GB 32100's alphabet")
	ErrUSCCChecksum = errors.New("unified social credit code check character is wrong")
)

// ValidateUSCC checks a unified social credit code (统一社会信用代码,
// GB 32100-2015): 18 characters of the 31-letter alphabet and the check
// character (c = 31 − Σ vᵢwᵢ mod 31, weights 3^(i−1) mod 31). The
// registration authority codes in the first two places are not checked:
// published lists disagree.
func ValidateUSCC(code string) error {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) != 18 {
		return fmt.Errorf("identity: %w (got %d)", ErrUSCCLength, len(code))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccAlphabet, code[i])
		if v < 0 {
			return fmt.Errorf("identity: %w: %q", ErrUSCCChars, code[i])
		}
		sum += v * usccWeights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	if code[17] != usccAlphabet[c] {
		if strings.IndexByte(usccAlphabet, code[17]) < 0 {
			return fmt.Errorf("identity: %w: %q", ErrUSCCChars, code[17])
		}
		return fmt.Errorf("identity: %w", ErrUSCCChecksum)
	}
	return nil
}
