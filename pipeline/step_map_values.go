package pipeline

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/ast"
)

// MapValues replaces exact values of Fields by others: a plain string, a
// number or a boolean (as "true"/"false") found in Values becomes its
// replacements (several make an OR).
//
// With Unavailable, a value that Values does not list is data the target
// lacks, with that reason ({value} is the value): it is left out of an OR
// or a filter with a warning, or rejects the rule (see unavailable.go).
type MapValues struct {
	StepCommon  `yaml:"-"`
	Fields      []string            `yaml:"fields"`
	Values      map[string][]string `yaml:"-"`
	Unavailable string              `yaml:"unavailable"`
}

func init() {
	register(stepType{Name: "map_values", Help: "replace exact values of fields by others",
		Required: []string{"fields", "values"}, Optional: []string{"unavailable"}, New: func() Step { return new(MapValues) }})
}

func (s *MapValues) decode(d *decoder, n *yaml.Node) {
	v := value(n, "values")
	if v == nil {
		return
	}
	if v.Kind != yaml.MappingNode {
		d.errs.Addf(d.pos(v), "values must map each value to its replacement(s)")
	}
	s.Values = map[string][]string{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		l, err := stringList(v.Content[i+1])
		if err != nil {
			d.errs.Addf(d.pos(v.Content[i+1]), "%v", err)
		}
		s.Values[v.Content[i].Value] = l
	}
}

func (s *MapValues) apply(x *run) {
	x.eachValue(&s.StepCommon, s.Fields, func(fm *ast.FieldMatch, v ast.Value) []ast.Value {
		var key string
		cased := false
		switch v := v.(type) {
		case *ast.String:
			if !v.IsPlain() {
				return s.unavailable(x, v, v.Source())
			}
			key, cased = v.Plain(), v.Cased
		case *ast.Number:
			key = v.Text
		case *ast.Bool:
			key = strconv.FormatBool(v.Value)
		default:
			return nil
		}
		repl, ok := s.Values[key]
		if !ok {
			return s.unavailable(x, v, key)
		}
		out := make([]ast.Value, len(repl))
		for i, r := range repl {
			n := ast.NewString(v.Pos(), r)
			n.Cased = cased
			out[i] = n
		}
		return out
	})
}

// unavailable marks a value that Values does not list as data the target
// lacks, when the step says so; it never replaces the value.
func (s *MapValues) unavailable(x *run, v ast.Value, text string) []ast.Value {
	if s.Unavailable != "" {
		x.res.markUnavailable(v, strings.ReplaceAll(expand(s.Unavailable, x), "{value}", text))
	}
	return nil
}
