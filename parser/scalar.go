package parser

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Sigma rules are YAML 1.1 documents in practice: the reference tooling
// reads them with a YAML 1.1 resolver, where "yes" is a boolean, "010" is
// octal and "1e3" is a string. yaml.v3 resolves plain scalars by YAML 1.2
// rules, so plain scalars are resolved here again, by the 1.1 rules.

// The YAML 1.1 integer and float forms are matched by hand rather than
// with regular expressions: resolveScalar runs on every plain scalar that
// starts with a digit, a sign or a dot, and a regexp match cost more there
// than the rest of the resolution. scalar_test.go checks them against the
// regular expressions of the YAML 1.1 type repository:
//
//	int:   [-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+ | [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+
//	float: [-+]?[0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)? | \.[0-9_]+([eE][-+][0-9]+)? | [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)

// isYAML11Int reports whether s is a YAML 1.1 integer.
func isYAML11Int(s string) bool {
	t := trimSign(s)
	switch {
	case t == "":
		return false
	case strings.HasPrefix(t, "0b"):
		return len(t) > 2 && all(t[2:], isBinDigit)
	case strings.HasPrefix(t, "0x"):
		return len(t) > 2 && all(t[2:], isHexDigit)
	case t[0] == '0':
		return all(t[1:], isOctDigit) // "0" alone, or octal
	case t[0] >= '1' && t[0] <= '9':
		i := 1 + span(t[1:], isDecDigit)
		if i == len(t) {
			return true
		}
		rest, ok := sexagesimal(t[i:])
		return ok && rest == ""
	}
	return false
}

// isYAML11Float reports whether s is a YAML 1.1 float.
func isYAML11Float(s string) bool {
	switch s {
	case ".nan", ".NaN", ".NAN":
		return true
	}
	t := trimSign(s)
	switch t {
	case ".inf", ".Inf", ".INF":
		return true
	case "":
		return false
	}
	if t[0] == '.' {
		// Only the unsigned form has no digit before the point.
		return len(t) == len(s) && len(t) > 1 && isDecDigit(t[1]) && exponent(t[1+span(t[1:], isDecDigit):])
	}
	if !isDigit(t[0]) {
		return false
	}
	i := 1 + span(t[1:], isDecDigit)
	rest := t[i:]
	switch {
	case strings.HasPrefix(rest, "."):
		return exponent(rest[1+span(rest[1:], isDecDigit):])
	case strings.HasPrefix(rest, ":"):
		rest, ok := sexagesimal(rest)
		return ok && strings.HasPrefix(rest, ".") && all(rest[1:], isDecDigit)
	}
	return false
}

// sexagesimal consumes one or more ":" [0-5]?[0-9] groups at the start of
// s and returns the rest.
func sexagesimal(s string) (rest string, ok bool) {
	for strings.HasPrefix(s, ":") {
		if len(s) < 2 || !isDigit(s[1]) {
			return s, false
		}
		n := 2
		if len(s) > 2 && isDigit(s[2]) && s[1] <= '5' {
			n = 3
		}
		s, ok = s[n:], true
	}
	return s, ok
}

// exponent reports whether s is empty or an exponent [eE][-+][0-9]+.
func exponent(s string) bool {
	return s == "" || len(s) > 2 && (s[0] == 'e' || s[0] == 'E') && (s[1] == '-' || s[1] == '+') && all(s[2:], isDigit)
}

func trimSign(s string) string {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		return s[1:]
	}
	return s
}

// all reports whether every byte of s satisfies f (true for "").
func all(s string, f func(byte) bool) bool { return span(s, f) == len(s) }

// span returns the length of the longest prefix of s whose bytes satisfy f.
func span(s string, f func(byte) bool) int {
	for i := 0; i < len(s); i++ {
		if !f(s[i]) {
			return i
		}
	}
	return len(s)
}

func isDigit(c byte) bool    { return c >= '0' && c <= '9' }
func isDecDigit(c byte) bool { return isDigit(c) || c == '_' }
func isOctDigit(c byte) bool { return c >= '0' && c <= '7' || c == '_' }
func isBinDigit(c byte) bool { return c == '0' || c == '1' || c == '_' }
func isHexDigit(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '_'
}

// scalarKind is the resolved type of a YAML scalar.
type scalarKind uint8

const (
	scalarString scalarKind = iota
	scalarInt
	scalarFloat
	scalarBool
	scalarNull
)

// resolveScalar returns the YAML 1.1 type of a scalar node. Quoted and block
// scalars are strings; an explicit tag wins.
func resolveScalar(n *yaml.Node) scalarKind {
	if n.Style&yaml.TaggedStyle != 0 {
		switch n.Tag {
		case "!!int":
			return scalarInt
		case "!!float":
			return scalarFloat
		case "!!bool":
			return scalarBool
		case "!!null":
			return scalarNull
		}
		return scalarString
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return scalarString
	}
	v := n.Value
	if v == "" {
		return scalarNull
	}
	// Fast path: most plain scalars start with a letter that no special
	// form starts with.
	switch c := v[0]; {
	case c == '~':
		if v == "~" {
			return scalarNull
		}
		return scalarString
	case c == 'n' || c == 'N':
		switch v {
		case "null", "Null", "NULL":
			return scalarNull
		case "no", "No", "NO":
			return scalarBool
		}
		return scalarString
	case c == 'y' || c == 'Y' || c == 't' || c == 'T' || c == 'f' || c == 'F' || c == 'o' || c == 'O':
		switch v {
		case "yes", "Yes", "YES", "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF":
			return scalarBool
		}
		return scalarString
	case c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.':
		if isYAML11Int(v) {
			return scalarInt
		}
		if isYAML11Float(v) {
			return scalarFloat
		}
	}
	return scalarString
}

// boolValue returns the value of a YAML 1.1 boolean.
func boolValue(s string) bool {
	switch s {
	case "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
		return true
	}
	return false
}

// maxIntDigits is the longest integer, in characters, that is read as a
// number. Converting a number between bases takes time quadratic in its
// length, so a longer one stays a string. Python, which the reference runs
// on, refuses to convert integers of more than 4300 digits as well.
const maxIntDigits = 4300

// intText returns the decimal text of a YAML 1.1 integer, as Python prints it.
// An integer longer than maxIntDigits is not converted.
func intText(s string) (string, bool) {
	t := strings.ReplaceAll(s, "_", "")
	if len(t) > maxIntDigits {
		return "", false
	}
	neg := false
	switch {
	case strings.HasPrefix(t, "-"):
		neg, t = true, t[1:]
	case strings.HasPrefix(t, "+"):
		t = t[1:]
	}
	var n big.Int
	var ok bool
	switch {
	case strings.HasPrefix(t, "0b"):
		_, ok = n.SetString(t[2:], 2)
	case strings.HasPrefix(t, "0x"):
		_, ok = n.SetString(t[2:], 16)
	case strings.Contains(t, ":"):
		// base 60
		ok = true
		for _, part := range strings.Split(t, ":") {
			d, err := strconv.ParseInt(part, 10, 64)
			if err != nil {
				return "", false
			}
			n.Mul(&n, big.NewInt(60))
			n.Add(&n, big.NewInt(d))
		}
	case len(t) > 1 && t[0] == '0':
		_, ok = n.SetString(t[1:], 8)
	default:
		_, ok = n.SetString(t, 10)
	}
	if !ok {
		return "", false
	}
	if neg {
		n.Neg(&n)
	}
	return n.String(), true
}

// floatText returns the text Python's repr gives for a YAML 1.1 float.
func floatText(s string) (string, bool) {
	t := strings.ReplaceAll(s, "_", "")
	switch strings.TrimLeft(t, "+-") {
	case ".inf", ".Inf", ".INF":
		if strings.HasPrefix(t, "-") {
			return "-inf", true
		}
		return "inf", true
	case ".nan", ".NaN", ".NAN":
		return "nan", true
	}
	if strings.Contains(t, ":") {
		return "", false
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return "", false
	}
	return pyFloat(f), true
}

// pyFloat formats f the way Python's repr does: the shortest digits that
// read back as f, in fixed notation for exponents from -4 to 15 (always
// with a decimal point) and in scientific notation otherwise.
func pyFloat(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, expText, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expText)
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	digits := strings.Replace(mant, ".", "", 1)
	sign := ""
	if neg {
		sign = "-"
	}
	if exp < -4 || exp >= 16 {
		m := digits[:1]
		if len(digits) > 1 {
			m += "." + digits[1:]
		}
		es := "+"
		if exp < 0 {
			es, exp = "-", -exp
		}
		return sign + m + "e" + es + leftPad(strconv.Itoa(exp), 2)
	}
	var out string
	switch {
	case exp < 0:
		out = "0." + strings.Repeat("0", -exp-1) + digits
	case exp+1 >= len(digits):
		out = digits + strings.Repeat("0", exp+1-len(digits)) + ".0"
	default:
		out = digits[:exp+1] + "." + digits[exp+1:]
	}
	return sign + out
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}
