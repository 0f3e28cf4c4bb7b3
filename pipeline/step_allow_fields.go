package pipeline

import (
	"slices"
	"strconv"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
)

// AllowFields rejects every item whose field, or the field it refers to,
// is not in Allow; a keyword (an item without a field) is never allowed.
type AllowFields struct {
	StepCommon `yaml:"-"`
	Allow      []string `yaml:"allow"`
	Message    string   `yaml:"message"` // the error; %q stands for the field
}

func init() {
	register(stepType{Name: "allow_fields", Help: "reject every field not listed in allow",
		Required: []string{"allow"}, Optional: []string{"message"}, New: func() Step { return new(AllowFields) }})
}

func (s *AllowFields) apply(x *run) {
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher { return s.field(x, fm) })
}

func (s *AllowFields) field(x *run, fm *ast.FieldMatch) *ast.FieldMatch {
	if !x.check {
		return fm
	}
	s.check(x, fm.KeyPos, fm.Field)
	for _, v := range fm.Values {
		if r, ok := v.(*ast.FieldRef); ok {
			s.check(x, r.ValuePos, r.Field)
		}
	}
	return fm
}

func (s *AllowFields) check(x *run, pos ast.Pos, field string) {
	if field != "" && slices.Contains(s.Allow, field) {
		return
	}
	msg := s.Message
	if msg == "" {
		msg = "field %q is not supported here; supported fields: " + strings.Join(s.Allow, ", ")
	}
	name := strconv.Quote(field)
	if field == "" {
		name = "a keyword (a value without a field)"
		msg = strings.Replace(msg, "field %q", "%q", 1)
	}
	msg = strings.Replace(msg, "%q", name, 1)
	x.errs.Add(pos, expand(msg, x))
}
