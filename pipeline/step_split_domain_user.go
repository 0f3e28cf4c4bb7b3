package pipeline

import (
	"slices"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
)

// SplitDomainUser splits the tests of Fields, whose values are written
// DOMAIN\user (Sysmon's User, for one), into a test of the user name on
// the field and one of the domain on its domain field (DomainFields, else
// DefaultDomain), for targets that keep the two in separate columns.
type SplitDomainUser struct {
	StepCommon    `yaml:"-"`
	Fields        []string          `yaml:"fields"`
	DomainFields  map[string]string `yaml:"domain_fields"`
	DefaultDomain string            `yaml:"default_domain"`
}

func init() {
	register(stepType{Name: "split_domain_user", Help: "split the tests of fields written DOMAIN\\user into a user and a domain test",
		Required: []string{"fields"}, Optional: []string{"domain_fields", "default_domain"},
		New: func() Step { return new(SplitDomainUser) }})
}

// apply splits each test of Fields into user and domain tests, one branch
// per value: an OR of the branches, or an AND for the all modifier.
// Negated tests and values without a text form are left as they are.
func (s *SplitDomainUser) apply(x *run) {
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		if fm.Field == "" || fm.Negate || !slices.Contains(s.Fields, fm.Field) {
			return fm
		}
		for _, v := range fm.Values {
			if _, ok := ast.ValueText(v); !ok {
				return fm // null, field references, ...: left as they are
			}
		}
		s.mark(x)
		branches := make([]ast.Matcher, 0, len(fm.Values))
		for _, v := range fm.Values {
			branches = append(branches, s.split(fm, v))
		}
		switch {
		case len(branches) == 1:
			return branches[0]
		case fm.All:
			return &ast.AllOf{MapPos: fm.KeyPos, Items: branches}
		}
		return &ast.AnyOf{ListPos: fm.KeyPos, Items: branches}
	})
}

// domain returns the domain field of field.
func (s *SplitDomainUser) domain(field string) string {
	if d := s.DomainFields[field]; d != "" {
		return d
	}
	return s.DefaultDomain
}

// split returns the test of one value v of fm on the two fields. A value
// with one backslash tests both parts (the modifiers' wildcards stay with
// their part: "*NT AUTHORITY\SYS*" is a domain ending "NT AUTHORITY" and a
// name starting "SYS"); a value without one tests the whole DOMAIN\user
// text by where it can fall: a contained text in either part, a prefix in
// the domain, anything else in the name.
func (s *SplitDomainUser) split(fm *ast.FieldMatch, v ast.Value) ast.Matcher {
	text, _ := ast.ValueText(v)
	test := func(field string, part *ast.String) *ast.FieldMatch {
		return &ast.FieldMatch{KeyPos: fm.KeyPos, Field: field, Values: []ast.Value{part}}
	}
	parts := strings.Split(text, `\`)
	switch str, _ := v.(*ast.String); {
	case len(parts) == 2:
		return &ast.AllOf{MapPos: fm.KeyPos, Items: []ast.Matcher{
			test(fm.Field, ast.ParseString(v.Pos(), parts[1])),
			test(s.domain(fm.Field), ast.ParseString(v.Pos(), parts[0])),
		}}
	case len(parts) == 1 && str != nil && affix(str, true, true):
		return &ast.AnyOf{ListPos: fm.KeyPos, Items: []ast.Matcher{
			test(fm.Field, str.Copy()), test(s.domain(fm.Field), str.Copy()),
		}}
	case len(parts) == 1 && str != nil && affix(str, false, true):
		return test(s.domain(fm.Field), str.Copy())
	}
	c := &ast.FieldMatch{KeyPos: fm.KeyPos, Field: fm.Field, Modifiers: fm.Modifiers}
	for _, part := range parts {
		str := ast.ParseString(v.Pos(), part)
		for _, m := range fm.Modifiers {
			wrap(str, m.Name)
		}
		c.Values = append(c.Values, str)
	}
	return c
}

// affix reports whether s is one literal with a "*" wildcard before it
// (when before) and after it (when after), and no other wildcard.
func affix(s *ast.String, before, after bool) bool {
	want := []bool{before, true, after}
	var kinds []ast.PartKind
	for i, k := range []ast.PartKind{ast.WildcardMulti, ast.Literal, ast.WildcardMulti} {
		if want[i] {
			kinds = append(kinds, k)
		}
	}
	if len(s.Parts) != len(kinds) {
		return false
	}
	for i, p := range s.Parts {
		if p.Kind != kinds[i] {
			return false
		}
	}
	return true
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
