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
//
// A test the two columns cannot express (a regular expression, a wildcard
// inside a value without a backslash, which may stand for the backslash, a
// value with several backslashes, the neq modifier) is moved to the field
// JoinedFields names for it, which the pipeline maps to a column holding
// the whole DOMAIN\user text (a computed column); without one it is left
// as it is.
type SplitDomainUser struct {
	StepCommon    `yaml:"-"`
	Fields        []string          `yaml:"fields"`
	DomainFields  map[string]string `yaml:"domain_fields"`
	DefaultDomain string            `yaml:"default_domain"`
	JoinedFields  map[string]string `yaml:"joined_fields"`
}

func init() {
	register(stepType{Name: "split_domain_user", Help: "split the tests of fields written DOMAIN\\user into a user and a domain test",
		Required: []string{"fields"}, Optional: []string{"domain_fields", "default_domain", "joined_fields"},
		New: func() Step { return new(SplitDomainUser) }})
}

// apply splits each test of Fields into user and domain tests, one branch
// per value: an OR of the branches, or an AND for the all modifier.
// Values without a text form (null, field references) are left as they
// are; other tests the split cannot express go to the joined field.
func (s *SplitDomainUser) apply(x *run) {
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		if fm.Field == "" || !slices.Contains(s.Fields, fm.Field) {
			return fm
		}
		switch splittable(fm) {
		case splitNone:
			return fm
		case splitJoined:
			if j := s.JoinedFields[fm.Field]; j != "" {
				fm.Field = j
				s.mark(x)
			}
			return fm
		}
		s.mark(x)
		branches := make([]ast.Matcher, 0, len(fm.Values))
		for _, v := range fm.Values {
			branches = append(branches, s.split(fm, v.(*ast.String)))
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

// How a test of a DOMAIN\user field is rewritten.
const (
	splitParts  = iota // into a user and a domain test
	splitJoined        // on the whole text
	splitNone          // left as it is
)

// splittable says how fm is rewritten: split when every value is a string
// with one backslash, or with none and wildcards only at its ends.
func splittable(fm *ast.FieldMatch) int {
	out := splitParts
	for _, v := range fm.Values {
		str, ok := v.(*ast.String)
		switch {
		case !ok || str.HasPlaceholders():
			if _, text := ast.ValueText(v); !text {
				if _, re := v.(*ast.Regex); !re {
					return splitNone
				}
			}
			out = splitJoined
		case fm.Negate:
			out = splitJoined
		default:
			if n := backslashes(str); n > 1 || n == 0 && !endWildcardsOnly(str) {
				out = splitJoined
			}
		}
	}
	return out
}

// backslashes counts the literal backslashes of s.
func backslashes(s *ast.String) int {
	n := 0
	for _, p := range s.Parts {
		if p.Kind == ast.Literal {
			n += strings.Count(p.Text, `\`)
		}
	}
	return n
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
// the domain, anything else in the name. The parts keep the value's case
// sensitivity.
func (s *SplitDomainUser) split(fm *ast.FieldMatch, v *ast.String) ast.Matcher {
	test := func(field string, part *ast.String) *ast.FieldMatch {
		return &ast.FieldMatch{KeyPos: fm.KeyPos, Field: field, Values: []ast.Value{part}}
	}
	if dom, user, ok := cutBackslash(v); ok {
		return &ast.AllOf{MapPos: fm.KeyPos, Items: []ast.Matcher{test(fm.Field, user), test(s.domain(fm.Field), dom)}}
	}
	switch {
	case affix(v, true, true):
		return &ast.AnyOf{ListPos: fm.KeyPos, Items: []ast.Matcher{test(fm.Field, v.Copy()), test(s.domain(fm.Field), v.Copy())}}
	case affix(v, false, true):
		return test(s.domain(fm.Field), v.Copy())
	}
	return test(fm.Field, v.Copy())
}

// cutBackslash returns the parts of s before and after its first literal
// backslash, with the flags of s, and whether it has one.
func cutBackslash(s *ast.String) (before, after *ast.String, ok bool) {
	before, after = s.Copy(), s.Copy()
	for i, p := range s.Parts {
		j := strings.IndexByte(p.Text, '\\')
		if p.Kind != ast.Literal || j < 0 {
			continue
		}
		before.Parts = append(s.Parts[:i:i], ast.Part{Kind: ast.Literal, Text: p.Text[:j]})
		after.Parts = append([]ast.Part{{Kind: ast.Literal, Text: p.Text[j+1:]}}, s.Parts[i+1:]...)
		before.Parts, after.Parts = dropEmpty(before.Parts), dropEmpty(after.Parts)
		return before, after, true
	}
	return nil, nil, false
}

// dropEmpty removes empty literals (a String holds none).
func dropEmpty(parts []ast.Part) []ast.Part {
	out := parts[:0:0]
	for _, p := range parts {
		if p.Kind != ast.Literal || p.Text != "" {
			out = append(out, p)
		}
	}
	return out
}

// affix reports whether s is one literal with a "*" wildcard before it
// (when before) and after it (when after), and no other wildcard.
func affix(s *ast.String, before, after bool) bool {
	p := s.Parts
	if before {
		if len(p) == 0 || p[0].Kind != ast.WildcardMulti {
			return false
		}
		p = p[1:]
	}
	if after {
		if len(p) == 0 || p[len(p)-1].Kind != ast.WildcardMulti {
			return false
		}
		p = p[:len(p)-1]
	}
	return len(p) == 1 && p[0].Kind == ast.Literal
}

// endWildcardsOnly reports whether s has no wildcard but a "*" at either
// end, around one literal: a value whose place in DOMAIN\user is known.
func endWildcardsOnly(s *ast.String) bool {
	return s.IsPlain() || affix(s, true, true) || affix(s, false, true) || affix(s, true, false)
}
