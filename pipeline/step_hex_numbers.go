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
type HexNumbers struct {
	StepCommon  `yaml:"-"`
	Fields      []string `yaml:"fields"`
	Unavailable string   `yaml:"unavailable"`
}

func init() {
	register(stepType{Name: "hex_numbers", Help: "compare values written 0x... as the numbers they stand for",
		Required: []string{"fields"}, Optional: []string{"unavailable"}, New: func() Step { return new(HexNumbers) }})
}

func (s *HexNumbers) apply(x *run) {
	x.eachValue(&s.StepCommon, s.Fields, func(fm *ast.FieldMatch, v ast.Value) []ast.Value {
		str, ok := v.(*ast.String)
		if s.Unavailable != "" && (ok && !str.IsPlain() && !str.HasPlaceholders() || isRegex(v)) {
			text := ""
			if ok {
				text = str.Source()
			} else {
				text = v.(*ast.Regex).Pattern
			}
			x.res.markUnavailable(v, strings.ReplaceAll(expand(s.Unavailable, x), "{value}", text))
			return nil
		}
		if !ok || !str.IsPlain() || fm.HasModifier("cased") {
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
	})
}

func isRegex(v ast.Value) bool {
	_, ok := v.(*ast.Regex)
	return ok
}
