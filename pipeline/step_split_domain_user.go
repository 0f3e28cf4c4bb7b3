package pipeline

import (
	"slices"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
)

// SplitDomainUser splits DOMAIN\user values of Fields into a test of the
// user and one of the domain field (DomainFields, else DefaultDomain).
type SplitDomainUser struct {
	StepCommon    `yaml:"-"`
	Fields        []string          `yaml:"fields"`
	DomainFields  map[string]string `yaml:"domain_fields"`
	DefaultDomain string            `yaml:"default_domain"`
}

func init() {
	register(stepType{Name: "split_domain_user", Help: "split DOMAIN\\user values into user and domain fields",
		Required: []string{"fields"}, Optional: []string{"domain_fields", "default_domain"},
		New: func() Step { return new(SplitDomainUser) }})
}

// apply splits DOMAIN\user values into a user and a domain test. Like the
// reference, the item becomes an OR with one branch per value and the
// parts of a split value are compared without the item's modifiers.
func (s *SplitDomainUser) apply(x *run) {
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		if fm.Field == "" || !slices.Contains(s.Fields, fm.Field) {
			return fm
		}
		for _, v := range fm.Values {
			if _, ok := ast.ValueText(v); !ok {
				return fm // null, field references, ...: left as they are
			}
		}
		s.mark(x)
		any := &ast.AnyOf{ListPos: fm.KeyPos}
		for _, v := range fm.Values {
			any.Items = append(any.Items, s.split(fm, v))
		}
		if len(any.Items) == 1 {
			return any.Items[0]
		}
		return any
	})
}

// split returns the test of one value v of fm.
func (s *SplitDomainUser) split(fm *ast.FieldMatch, v ast.Value) ast.Matcher {
	text, _ := ast.ValueText(v)
	parts := strings.Split(text, `\`)
	if len(parts) == 2 {
		domain := s.DomainFields[fm.Field]
		if domain == "" {
			domain = s.DefaultDomain
		}
		return &ast.AllOf{MapPos: fm.KeyPos, Items: []ast.Matcher{
			&ast.FieldMatch{KeyPos: fm.KeyPos, Field: fm.Field, Values: []ast.Value{ast.ParseString(v.Pos(), parts[1])}},
			&ast.FieldMatch{KeyPos: fm.KeyPos, Field: domain, Values: []ast.Value{ast.ParseString(v.Pos(), parts[0])}},
		}}
	}
	c := &ast.FieldMatch{KeyPos: fm.KeyPos, Field: fm.Field, Modifiers: fm.Modifiers, Negate: fm.Negate}
	for _, part := range parts {
		str := ast.ParseString(v.Pos(), part)
		for _, m := range fm.Modifiers {
			wrap(str, m.Name)
		}
		c.Values = append(c.Values, str)
	}
	return c
}

// wrap re-applies a contains, startswith or endswith modifier to s.
func wrap(s *ast.String, mod string) {
	if (mod == "contains" || mod == "endswith") && !s.StartsWith(ast.WildcardMulti) {
		s.Prepend(ast.Part{Kind: ast.WildcardMulti})
	}
	if (mod == "contains" || mod == "startswith") && !s.EndsWith(ast.WildcardMulti) {
		s.Append(ast.Part{Kind: ast.WildcardMulti})
	}
}
