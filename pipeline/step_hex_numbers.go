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
type HexNumbers struct {
	StepCommon `yaml:"-"`
	Fields     []string `yaml:"fields"`
}

func init() {
	register(stepType{Name: "hex_numbers", Help: "compare values written 0x... as the numbers they stand for",
		Required: []string{"fields"}, New: func() Step { return new(HexNumbers) }})
}

func (s *HexNumbers) apply(x *run) {
	x.eachValue(&s.StepCommon, s.Fields, func(fm *ast.FieldMatch, v ast.Value) []ast.Value {
		str, ok := v.(*ast.String)
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
