package pipeline

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
)

// RegistryData rewrites registry data written as Sysmon writes it to the
// form Defender XDR records: numbers, "DWORD (0x00000001)" and
// "QWORD (0x00000001-0x00000000)" (high and low double words), as decimal
// text ("1"; Microsoft's hunting query for WDigest tests
// RegistryValueData == "1"), and "(Empty)", Sysmon's text for an empty
// string, as the empty string. Sysmon's Details is the whole datum, so a
// value that contains or ends with such a text ("*DWORD (0x00000001)*") is
// that datum exactly. A value that tests part of a number's text
// (wildcards among the hex digits, a bare "DWORD" prefix) has no faithful
// decimal form: the rule is rejected with the reason.
//
// With KeepOriginal the value is tested in both forms (an OR), for tables
// that gather rows of several sources, some with Sysmon's text and some
// with Defender's (the ASIM parsers).
type RegistryData struct {
	StepCommon   `yaml:"-"`
	Fields       []string `yaml:"fields"`
	KeepOriginal bool     `yaml:"keep_original"`
}

func init() {
	register(stepType{Name: "registry_data", Help: "rewrite Sysmon's registry data text (DWORD (0x...), QWORD (0x...-0x...), (Empty)) as Defender records it",
		Required: []string{"fields"}, Optional: []string{"keep_original"}, New: func() Step { return new(RegistryData) }})
}

var (
	dwordText = regexp.MustCompile(`^(?i:DWORD) \(0[xX]([0-9a-fA-F]{1,8})\)$`)
	qwordText = regexp.MustCompile(`^(?i:QWORD) \(0[xX]([0-9a-fA-F]{1,8})-0[xX]([0-9a-fA-F]{1,8})\)$`)
)

func (s *RegistryData) apply(x *run) {
	x.eachValue(&s.StepCommon, s.Fields, func(fm *ast.FieldMatch, v ast.Value) []ast.Value {
		str, ok := v.(*ast.String)
		if !ok {
			return nil
		}
		text, whole := trimStars(str)
		if whole && text == "(Empty)" {
			return s.replacement(str, "")
		}
		if n, ok := sysmonNumber(text); ok && whole {
			return s.replacement(str, n)
		}
		up := strings.ToUpper(str.Plain())
		if strings.HasPrefix(strings.TrimSpace(up), "DWORD") || strings.HasPrefix(strings.TrimSpace(up), "QWORD") {
			x.errs.Addf(str.ValuePos, "%s: the value %q tests Sysmon's text of a registry number, which Defender records as a decimal number without its type; only whole values like \"DWORD (0x00000001)\" can be rewritten (test RegistryValueType for the type)", fm.Field, str.Source())
		}
		return nil
	})
}

// replacement returns the values that stand for str, whose datum is text
// in Defender's form: that text, after str itself with KeepOriginal.
func (s *RegistryData) replacement(str *ast.String, text string) []ast.Value {
	c := ast.NewString(str.ValuePos, text)
	c.Cased = str.Cased
	if s.KeepOriginal {
		return []ast.Value{str, c}
	}
	return []ast.Value{c}
}

// trimStars returns the literal text of s without leading and trailing
// "*" wildcards, and whether that text is all that is left.
func trimStars(s *ast.String) (string, bool) {
	parts := s.Parts
	for len(parts) > 0 && parts[0].Kind == ast.WildcardMulti {
		parts = parts[1:]
	}
	for len(parts) > 0 && parts[len(parts)-1].Kind == ast.WildcardMulti {
		parts = parts[:len(parts)-1]
	}
	if len(parts) != 1 || parts[0].Kind != ast.Literal {
		return "", false
	}
	return parts[0].Text, true
}

// sysmonNumber returns the decimal text of a Sysmon DWORD or QWORD text.
func sysmonNumber(text string) (string, bool) {
	if m := dwordText.FindStringSubmatch(text); m != nil {
		n, _ := strconv.ParseUint(m[1], 16, 32)
		return strconv.FormatUint(n, 10), true
	}
	if m := qwordText.FindStringSubmatch(text); m != nil {
		hi, _ := strconv.ParseUint(m[1], 16, 32)
		lo, _ := strconv.ParseUint(m[2], 16, 32)
		return strconv.FormatUint(hi<<32|lo, 10), true
	}
	return "", false
}
