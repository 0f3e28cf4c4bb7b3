package pipeline

import (
	"slices"

	"github.com/sigma2kql/sigma2kql/ast"
)

// PrefixFields puts Prefix in front of the field names in Fields, or of
// every field name if Fields is empty, in items and in field references.
// With SkipColumns, names that are columns of the query table (in the
// pipeline's schema) are left alone: the other fields are read from inside
// a column (EventData.).
type PrefixFields struct {
	StepCommon  `yaml:"-"`
	Prefix      string   `yaml:"value"`
	Fields      []string `yaml:"fields"`
	SkipColumns bool     `yaml:"skip_columns"`
}

func init() {
	register(stepType{Name: "prefix_fields", Help: "prefix every field name with value",
		Required: []string{"value"}, Optional: []string{"fields", "skip_columns"}, New: func() Step { return new(PrefixFields) }})
}

func (s *PrefixFields) apply(x *run) {
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher { return s.field(x, fm) })
}

func (s *PrefixFields) field(x *run, fm *ast.FieldMatch) *ast.FieldMatch {
	if fm.Field != "" && s.applies(x, fm.Field) {
		fm.Field = s.Prefix + fm.Field
		s.mark(x)
	}
	// The fields that field references name are renamed too, as
	// map_fields renames them: both sides of a comparison are in the
	// same place.
	for _, v := range fm.Values {
		if r, ok := v.(*ast.FieldRef); ok && s.applies(x, r.Field) {
			r.Field = s.Prefix + r.Field
		}
	}
	return fm
}

func (s *PrefixFields) applies(x *run, field string) bool {
	if t, ok := x.p.Schema[x.res.Table]; ok && s.SkipColumns {
		if _, isColumn := t.Columns[field]; isColumn {
			return false
		}
	}
	return len(s.Fields) == 0 || slices.Contains(s.Fields, field)
}
