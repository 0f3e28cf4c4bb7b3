package parser

import (
	"regexp"
	"testing"
)

// The regular expressions of the YAML 1.1 type repository that
// isYAML11Int and isYAML11Float implement by hand.
var (
	yaml11IntRx   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	yaml11FloatRx = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
)

func checkNumberForms(t *testing.T, s string) {
	t.Helper()
	if got, want := isYAML11Int(s), yaml11IntRx.MatchString(s); got != want {
		t.Errorf("isYAML11Int(%q) = %v, want %v", s, got, want)
	}
	if got, want := isYAML11Float(s), yaml11FloatRx.MatchString(s); got != want {
		t.Errorf("isYAML11Float(%q) = %v, want %v", s, got, want)
	}
}

// TestNumberFormsMatchRegexps compares the hand-written matchers with the
// regular expressions on every string of up to four characters over the
// characters that matter, and on longer cases.
func TestNumberFormsMatchRegexps(t *testing.T) {
	const alphabet = "0179_-+.:bxeEaiInNfF"
	var gen func(prefix string, n int)
	gen = func(prefix string, n int) {
		checkNumberForms(t, prefix)
		if n == 0 {
			return
		}
		for i := 0; i < len(alphabet); i++ {
			gen(prefix+alphabet[i:i+1], n-1)
		}
	}
	gen("", 4)
	for _, s := range []string{
		"0b1010_1", "-0b", "0x_", "+0xDEADbeef", "0o17", "0777", "08", "1_000", "190:20:30", "1:60", "1:5:9",
		"1:59:", "-1:2", "12:345", "6.8523015e+5", "685.230_15e+03", "685_230.15", "190:20:30.15", "-.inf",
		"+.Inf", "-.nan", ".nan", ".5", "-.5", "._5", ".5e+1", "1.e-1", "1.0e1", "1.0e+", "1:2.", "1:2.3_",
		"1:2.3e+1", "0.", "00.5", "1e3", "1E+3", "2024-01-01", "4624", "0x", "0b", "+", "-", ".", ":", "1:",
	} {
		checkNumberForms(t, s)
	}
}

// FuzzNumberForms compares the hand-written matchers with the regular
// expressions.
func FuzzNumberForms(f *testing.F) {
	for _, s := range []string{"1:20:30.5", "0b101", "-0x1F", ".inf", "1.5e+10", "._1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkNumberForms(t, s) })
}
