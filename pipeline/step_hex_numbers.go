package pipeline

import (
	"strconv"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
)

// HexNumbers turns the values of Fields written as hexadecimal numbers
// ('0x3e7', as Sysmon and the Security log write a logon ID) into the
// numbers they stand for, for targets whose columns hold them as numbers
// (Defender's LogonId is 999 where Sysmon writes 0x3e7). Other values are
// left as they are.
//
// With Unavailable, a value that tests part of the text (a wildcard, as
// contains, startswith and endswith add, or a regular expression) is data
// the target lacks, with that reason ({value} is the value): the number
// has no such text.
//
// With ToHex, the other way round: a whole decimal number (as Sysmon
// writes a process ID) becomes the text the Security log writes for it,
// 0x and lower-case hexadecimal digits (9184 is 0x23e0), for targets that
// keep the Security log's text; a comparison (lt, gt, ...) is then data the
// target lacks too, as the text has no order of the numbers.
type HexNumbers struct {
	StepCommon  `yaml:"-"`
	Fields      []string `yaml:"fields"`
	Unavailable string   `yaml:"unavailable"`
	ToHex       bool     `yaml:"to_hex"`
}

func init() {
	register(stepType{Name: "hex_numbers", Help: "compare values written 0x... as the numbers they stand for",
		Required: []string{"fields"}, Optional: []string{"unavailable", "to_hex"}, New: func() Step { return new(HexNumbers) }})
}

func (s *HexNumbers) apply(x *run) {
	x.eachValue(&s.StepCommon, s.Fields, func(fm *ast.FieldMatch, v ast.Value) []ast.Value {
		if text, partial := s.partial(v); s.Unavailable != "" && partial {
			x.res.markUnavailable(v, strings.ReplaceAll(expand(s.Unavailable, x), "{value}", text))
			return nil
		}
		if s.ToHex {
			return toHex(v)
		}
		if fm.HasModifier("cased") {
			return nil
		}
		return fromHex(v)
	})
}

// fromHex writes a plain text 0x... (any case) as the number it stands
// for; it leaves other values (nil).
func fromHex(v ast.Value) []ast.Value {
	str, ok := v.(*ast.String)
	if !ok || !str.IsPlain() {
		return nil
	}
	digits, ok := strings.CutPrefix(strings.ToLower(str.Plain()), "0x")
	if !ok {
		return nil
	}
	n, err := strconv.ParseUint(digits, 16, 63)
	if err != nil {
		return nil
	}
	return []ast.Value{&ast.Number{ValuePos: v.Pos(), Text: strconv.FormatUint(n, 10)}}
}

// partial reports whether v tests a part of the text (a wildcard or a
// regular expression) or, with ToHex, orders the number (lt, gt, ...),
// which the hexadecimal text cannot; and gives its text.
func (s *HexNumbers) partial(v ast.Value) (string, bool) {
	switch v := v.(type) {
	case *ast.String:
		return v.Source(), !v.IsPlain() && !v.HasPlaceholders()
	case *ast.Regex:
		return v.Pattern, true
	case *ast.Compare:
		return v.Op.String() + " " + v.Number.Text, s.ToHex
	}
	return "", false
}

// toHex writes a whole decimal number (a number, or a plain text of
// digits without a leading zero) as 0x and lower-case hexadecimal digits;
// it leaves other values (nil).
func toHex(v ast.Value) []ast.Value {
	text, ok := "", false
	switch v := v.(type) {
	case *ast.Number:
		text, ok = v.Text, !v.Float
	case *ast.String:
		text, ok = v.Plain(), v.IsPlain()
	}
	if !ok || text == "" || text[0] == '0' && text != "0" {
		return nil
	}
	n, err := strconv.ParseUint(text, 10, 63)
	if err != nil {
		return nil
	}
	return []ast.Value{ast.NewString(v.Pos(), "0x"+strconv.FormatUint(n, 16))}
}
