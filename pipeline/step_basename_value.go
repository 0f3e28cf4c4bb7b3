package pipeline

import (
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
)

// BasenameValue keeps only the file name of the path values of Fields.
// With Unavailable, a value whose file name part holds no text (a folder:
// '*\Temp\*', 'C:\Windows\*') tests what the target does not record: it is
// marked as data the target lacks (unavailable.go), with that message
// ({value} is the value), instead of becoming a test of any file name.
type BasenameValue struct {
	StepCommon  `yaml:"-"`
	Fields      []string `yaml:"fields"`
	Unavailable string   `yaml:"unavailable"`
}

func init() {
	register(stepType{Name: "basename_value", Help: "keep only the file name of path values",
		Required: []string{"fields"}, Optional: []string{"unavailable"}, New: func() Step { return new(BasenameValue) }})
}

func (s *BasenameValue) apply(x *run) {
	x.eachValue(&s.StepCommon, s.Fields, func(fm *ast.FieldMatch, v ast.Value) []ast.Value {
		text, ok := ast.ValueText(v)
		if !ok {
			return nil
		}
		if i := strings.LastIndexAny(text, `\/`); i >= 0 {
			text = text[i+1:]
		}
		name := ast.ParseString(v.Pos(), text)
		if s.Unavailable != "" && name.Plain() == "" {
			src, _ := ast.ValueText(v)
			x.res.markUnavailable(name, strings.ReplaceAll(expand(s.Unavailable, x), "{value}", src))
		}
		return []ast.Value{name}
	})
}
