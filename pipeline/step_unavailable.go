package pipeline

import (
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
)

// Unavailable marks the values of Fields (all, or those equal to one of
// Values, case-insensitively) as data the target lacks, with Reason: the
// parts of the rule that test them are left out with a warning, or the
// rule is rejected, by their place in the rule (see unavailable.go).
type Unavailable struct {
	StepCommon `yaml:"-"`
	Fields     []string `yaml:"fields"`
	Values     []string `yaml:"values"`
	Reason     string   `yaml:"reason"`
}

func init() {
	register(stepType{Name: "unavailable", Help: "mark fields the target has no data for: left out of ORs and filters with a warning, else the rule is rejected",
		Required: []string{"fields", "reason"}, Optional: []string{"values"}, New: func() Step { return new(Unavailable) }})
}

func (s *Unavailable) apply(x *run) {
	for _, fm := range x.fieldMatches(s.Fields) {
		for _, v := range fm.Values {
			if s.matches(v) {
				x.res.markUnavailable(v, expand(s.Reason, x))
			}
		}
		if len(fm.Values) == 0 && len(s.Values) == 0 {
			// null: the item has no value to mark; give it one.
			n := &ast.Null{ValuePos: fm.KeyPos}
			fm.Values = []ast.Value{n}
			x.res.markUnavailable(n, expand(s.Reason, x))
		}
		s.mark(x)
	}
}

// matches reports whether the step marks value v.
func (s *Unavailable) matches(v ast.Value) bool {
	if len(s.Values) == 0 {
		return true
	}
	text, ok := ast.ValueText(v)
	if str, isStr := v.(*ast.String); !ok || isStr && !str.IsPlain() {
		return false
	}
	for _, w := range s.Values {
		if strings.EqualFold(text, w) {
			return true
		}
	}
	return false
}

// fieldMatches returns the items of the rule whose field is one of fields.
func (x *run) fieldMatches(fields []string) []*ast.FieldMatch {
	var out []*ast.FieldMatch
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		for _, f := range fields {
			if fm.Field == f {
				out = append(out, fm)
				break
			}
		}
		return fm
	})
	return out
}
