package pipeline

import (
	"fmt"
	"regexp"
	"slices"
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
// that datum exactly, and so is one that finds a DWORD's eight digits
// inside it ("*0x00000001*", "*(0x00000001)").
//
// Sysmon's texts that say only the type of the data ("DWORD" or "QWORD"
// followed by a wildcard, "Binary Data" for binary data, which Sysmon does
// not log) become a test of TypeField, when the pipeline names one and the
// item has no other value: Details|startswith: 'DWORD' is
// RegistryValueType =~ "Dword". Any other value that tests part of such a
// text (wildcards among the hex digits, a type among other values) has no
// faithful form: it is marked as data the target lacks (unavailable.go),
// so that the rule is rejected, or the part left out with a warning.
//
// With KeepOriginal, for tables that gather rows of several sources, some
// with Sysmon's text and some with Defender's (the ASIM parsers), a
// rewritten value is tested in both forms (an OR) and a partial text is
// kept for the rows that hold Sysmon's text; an all list is tested in one
// form or the other (a row holds one of them).
type RegistryData struct {
	StepCommon   `yaml:"-"`
	Fields       []string `yaml:"fields"`
	TypeField    string   `yaml:"type_field"`
	KeepOriginal bool     `yaml:"keep_original"`
}

func init() {
	register(stepType{Name: "registry_data", Help: "rewrite Sysmon's registry data text (DWORD (0x...), QWORD (0x...-0x...), (Empty), a type alone) as Defender records it",
		Required: []string{"fields"}, Optional: []string{"type_field", "keep_original"}, New: func() Step { return new(RegistryData) }})
}

var (
	dwordText = regexp.MustCompile(`^(?i:DWORD) \(0[xX]([0-9a-fA-F]{1,8})\)$`)
	qwordText = regexp.MustCompile(`^(?i:QWORD) \(0[xX]([0-9a-fA-F]{1,8})-0[xX]([0-9a-fA-F]{1,8})\)$`)
)

func (s *RegistryData) apply(x *run) {
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		if fm.Field == "" || !slices.Contains(s.Fields, fm.Field) {
			return fm
		}
		if types := s.typesOnly(fm); types != nil {
			fm.Field, fm.Values = s.TypeField, types
			s.mark(x)
			return fm
		}
		var out, conv []ast.Value
		changed := false
		for _, v := range fm.Values {
			n := s.value(x, fm, v)
			changed = changed || n != v
			if n != v && s.KeepOriginal {
				out = append(out, v)
			}
			out = append(out, n)
			conv = append(conv, n)
		}
		if !changed {
			return fm
		}
		s.mark(x)
		if s.KeepOriginal && fm.All {
			// Each row holds one of the two forms: all the values in
			// Sysmon's form, or all of them in Defender's.
			c := ast.CopyMatcher(fm).(*ast.FieldMatch)
			c.Values = conv
			return &ast.AnyOf{ListPos: fm.KeyPos, Items: []ast.Matcher{fm, c}}
		}
		fm.Values = out
		return fm
	})
}

// value returns v as Defender records it, or v itself (perhaps marked
// unavailable).
func (s *RegistryData) value(x *run, fm *ast.FieldMatch, v ast.Value) ast.Value {
	str, ok := v.(*ast.String)
	if !ok || x.res.hasExpression(str) {
		return v
	}
	text, whole := trimStars(str)
	repl, ok := "", whole && text == "(Empty)"
	if n, isNum := sysmonNumber(text); isNum && whole {
		repl, ok = n, true
	}
	if n, isNum := dwordDigits(str, text); isNum && whole {
		repl, ok = n, true
	}
	if ok {
		c := ast.NewString(str.ValuePos, repl)
		c.Cased = str.Cased
		return c
	}
	up := strings.ToUpper(strings.TrimSpace(str.Plain()))
	if s.KeepOriginal {
		// The rows of Sysmon's events hold the text as the rule writes it.
		return v
	}
	if strings.HasPrefix(up, "DWORD") || strings.HasPrefix(up, "QWORD") || up == "BINARY DATA" {
		x.res.markUnavailable(v, fmt.Sprintf("the value %q tests Sysmon's text of registry data, which Defender records as a number without its type (only whole values like \"DWORD (0x00000001)\", or a type alone, have a counterpart)", str.Source()))
	}
	return v
}

// dwordText's digits, "0x00000001" or "(0x00000001)": Sysmon writes a
// DWORD's eight hexadecimal digits nowhere else, so a value that finds
// them inside the text (a "*" before them, and after them unless the
// closing parenthesis ends the value) is the DWORD.
var dwordHex = regexp.MustCompile(`^\(?0[xX]([0-9a-fA-F]{8})(\))?$`)

// dwordDigits returns the decimal text of a value that tests a DWORD by
// its digits, as above.
func dwordDigits(str *ast.String, text string) (string, bool) {
	m := dwordHex.FindStringSubmatch(text)
	if m == nil || !str.StartsWith(ast.WildcardMulti) || m[2] == "" && !str.EndsWith(ast.WildcardMulti) {
		return "", false
	}
	n, _ := strconv.ParseUint(m[1], 16, 32)
	return strconv.FormatUint(n, 10), true
}

// sysmonTypes maps Sysmon's texts of a type alone to Defender's
// RegistryValueType values.
var sysmonTypes = map[string]string{"DWORD": "Dword", "QWORD": "Qword", "BINARY DATA": "Binary"}

// typesOnly returns the TypeField values that fm's values stand for when
// each is a type alone ("DWORD*", "Binary Data"), else nil.
func (s *RegistryData) typesOnly(fm *ast.FieldMatch) []ast.Value {
	if s.TypeField == "" || len(fm.Values) == 0 {
		return nil
	}
	var out []ast.Value
	for _, v := range fm.Values {
		str, ok := v.(*ast.String)
		if !ok {
			return nil
		}
		typ, known := sysmonTypes[strings.ToUpper(strings.TrimSpace(str.Plain()))]
		// Binary Data is Sysmon's whole text; DWORD and QWORD start one.
		prefix := len(str.Parts) == 2 && str.StartsWith(ast.Literal) && str.EndsWith(ast.WildcardMulti)
		if !known || typ == "Binary" && !str.IsPlain() || typ != "Binary" && !prefix {
			return nil
		}
		c := ast.NewString(str.ValuePos, typ)
		c.Cased = str.Cased
		out = append(out, c)
	}
	return out
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
