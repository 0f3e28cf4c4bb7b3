package pipeline

import (
	"fmt"
	"slices"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/internal/suggest"
)

// ValidateFields rejects fields that are not columns of the query table in
// the pipeline's schema; a table the schema lacks is not checked.
type ValidateFields struct {
	StepCommon `yaml:"-"`
	Allow      []string `yaml:"allow"` // names accepted besides the columns
	// AllowMappingKeys accepts the names that a map_fields step of the
	// pipeline maps for the table.
	AllowMappingKeys bool `yaml:"allow_mapping_keys"`
}

func init() {
	register(stepType{Name: "validate_fields", Help: "reject fields that are not columns of the table",
		Optional: []string{"allow", "allow_mapping_keys"}, New: func() Step { return new(ValidateFields) }})
}

func (s *ValidateFields) apply(x *run) {
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher { return s.field(x, fm) })
}

func (s *ValidateFields) field(x *run, fm *ast.FieldMatch) *ast.FieldMatch {
	table, ok := x.p.Schema[x.res.Table]
	if !ok || !x.check || x.res.allUnavailable(fm) {
		// A table the pipeline does not know (any field may exist), or
		// an item the target cannot test anyway (unavailable.go).
		return fm
	}
	if fm.Field != "" {
		s.check(x, table, fm.KeyPos, fm.Field, "field")
	}
	for _, v := range fm.Values {
		if r, ok := v.(*ast.FieldRef); ok {
			s.check(x, table, r.ValuePos, r.Field, "referenced field")
		}
	}
	return fm
}

func (s *ValidateFields) check(x *run, table *Table, pos ast.Pos, field, what string) {
	if s.allowed(x, table, field) {
		return
	}
	columns := table.columnNames()
	msg := fmt.Sprintf("%s %q is not a column of table %s in pipeline %s", what, field, x.res.Table, x.p.Name)
	if sug := suggest.Nearest(field, columns); sug != "" {
		msg += fmt.Sprintf(", did you mean %q?", sug)
	}
	x.errs.Add(pos, msg)
}

// allowed reports whether the step accepts field in table: a column of the
// table (or one the query computes), a path into a column of the table
// (EventData.Image, see FieldPath), a name the step allows, or, with
// allow_mapping_keys, a name that a
// map_fields step of the pipeline maps for this table. It is called for
// every field of every rule, so it only looks names up.
func (s *ValidateFields) allowed(x *run, table *Table, field string) bool {
	if _, ok := table.Columns[field]; ok || slices.Contains(s.Allow, field) {
		return true
	}
	if _, ok := ColumnType(nil, x.res.Columns, field); ok {
		return true // a computed column
	}
	if p, ok := table.IsPath(field, x.res.Columns); ok {
		// A member of a dynamic column, or a function of a column: the
		// column must exist.
		_, ok := ColumnType(table, x.res.Columns, p.Root())
		return ok
	}
	if !s.AllowMappingKeys {
		return false
	}
	for _, o := range x.p.Steps {
		if m, ok := o.(*MapFields); ok {
			if _, ok := m.mappingFor(x.res.Table).Lookup(field); ok {
				return true
			}
		}
	}
	return false
}
