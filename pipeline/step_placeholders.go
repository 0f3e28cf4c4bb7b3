package pipeline

import (
	"slices"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
)

// Placeholders resolves the %name% placeholders of values under the expand
// modifier (only those in Names, if any). Mode "values" (the default)
// replaces each placeholder by the values listed in the pipeline's vars or
// given on the command line (several values make an OR); "wildcard"
// replaces it by "*"; "expression" leaves the value and records Expression
// for it in the result (see Result.Expression).
type Placeholders struct {
	StepCommon `yaml:"-"`
	Mode       string   `yaml:"mode"`
	Expression string   `yaml:"expression"` // "{name}" stands for the placeholder's name
	Names      []string `yaml:"names"`
}

func init() {
	register(stepType{Name: "placeholders", Help: "resolve %placeholders% of the expand modifier from vars",
		Optional: []string{"mode", "expression", "names"}, New: func() Step { return new(Placeholders) }})
}

func (s *Placeholders) apply(x *run) {
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		var out []ast.Value
		changed := false
		for _, v := range fm.Values {
			str, ok := v.(*ast.String)
			if !ok || !str.HasPlaceholders() || x.res.hasExpression(str) {
				out = append(out, v)
				continue
			}
			vals, ok := s.resolve(x, str)
			if !ok {
				out = append(out, v)
				continue
			}
			changed = true
			out = append(out, vals...)
		}
		if changed {
			fm.Values = out
			s.mark(x)
		}
		return fm
	})
}

// lookup returns the values of placeholder name: from the command line,
// else from the pipeline's vars.
func (x *run) lookup(name string) ([]string, bool) {
	if v, ok := x.opt.Vars[name]; ok {
		return v, true
	}
	v, ok := x.p.Vars[name]
	return v, ok
}

func (s *Placeholders) resolve(x *run, str *ast.String) ([]ast.Value, bool) {
	for _, part := range str.Parts {
		if part.Kind == ast.Placeholder && len(s.Names) > 0 && !slices.Contains(s.Names, part.Text) {
			return nil, false
		}
	}
	switch s.Mode {
	case "wildcard":
		c := &ast.String{ValuePos: str.ValuePos, Cased: str.Cased}
		for _, part := range str.Parts {
			if part.Kind == ast.Placeholder {
				part = ast.Part{Kind: ast.WildcardMulti}
			}
			c.Append(part)
		}
		return []ast.Value{c}, true
	case "expression":
		name := ""
		for _, part := range str.Parts {
			if part.Kind == ast.Placeholder {
				name = part.Text
			}
		}
		x.res.setExpression(str, strings.ReplaceAll(s.Expression, "{name}", name))
		return []ast.Value{str}, true
	}
	return resolveValues(x, str)
}

// resolveValues replaces each placeholder of str by its values: one string
// for each combination.
func resolveValues(x *run, str *ast.String) ([]ast.Value, bool) {
	results, _ := str.ExpandPlaceholders(x.lookup)
	if results == nil {
		return nil, false
	}
	out := make([]ast.Value, len(results))
	for i, r := range results {
		out[i] = r
	}
	return out, true
}
