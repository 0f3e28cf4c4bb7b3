package pipeline

import (
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/ast"
)

// MapFields renames fields by Mapping, or by the mapping of the query
// table in TableMapping; a name mapped to several fields becomes an OR of
// them. It renames field references and the rule's fields list too.
type MapFields struct {
	StepCommon   `yaml:"-"`
	Mapping      *Mapping            `yaml:"-"`
	TableMapping map[string]*Mapping `yaml:"-"`
	UnmappedOnly bool                `yaml:"unmapped_only"` // leave items that an earlier mapping produced
	Fields       []string            `yaml:"fields"`        // only these fields, if any
}

func init() {
	register(stepType{Name: "map_fields", Help: "rename fields by mapping (or per table by tables)",
		Required: []string{"mapping|tables"}, Optional: []string{"unmapped_only", "fields"},
		New: func() Step { return new(MapFields) }})
}

func (s *MapFields) decode(d *decoder, n *yaml.Node) {
	var raw struct {
		Mapping yaml.Node            `yaml:"mapping"`
		Tables  map[string]yaml.Node `yaml:"tables"`
	}
	d.decode(n, &raw)
	if raw.Mapping.Kind != 0 {
		s.Mapping = d.mapping(&raw.Mapping)
	}
	if len(raw.Tables) > 0 {
		s.TableMapping = map[string]*Mapping{}
		for table, node := range raw.Tables {
			s.TableMapping[table] = d.mapping(&node)
		}
	}
}

// mappingFor returns the mapping that applies in table, or nil.
func (s *MapFields) mappingFor(table string) *Mapping {
	if s.TableMapping != nil {
		return s.TableMapping[table]
	}
	return s.Mapping
}

func (s *MapFields) apply(x *run) {
	m := s.mappingFor(x.res.Table)
	if m == nil {
		return
	}
	x.mapRuleFields(s, m)
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		mapRefs(m, fm)
		return s.rename(x, m, fm)
	})
}

func (s *MapFields) field(x *run, fm *ast.FieldMatch) *ast.FieldMatch {
	if m := s.mappingFor(x.res.Table); m != nil {
		switch r := s.rename(x, m, fm).(type) {
		case *ast.AnyOf:
			return r.Items[0].(*ast.FieldMatch)
		case *ast.AllOf:
			return r.Items[0].(*ast.FieldMatch)
		}
	}
	return fm
}

// rename renames the field of fm: fm itself, renamed, or an OR of copies
// for a field mapped to several.
func (s *MapFields) rename(x *run, m *Mapping, fm *ast.FieldMatch) ast.Matcher {
	if fm.Field == "" || s.UnmappedOnly && x.mapped[fm] || len(s.Fields) > 0 && !slices.Contains(s.Fields, fm.Field) {
		return fm
	}
	to, ok := m.Lookup(fm.Field)
	if !ok {
		return fm
	}
	s.mark(x)
	if len(to) == 1 {
		fm.Field = to[0]
		x.mapped[fm] = true
		return fm
	}
	var items []ast.Matcher
	for _, f := range to {
		c := ast.CopyMatcher(fm).(*ast.FieldMatch)
		c.Field = f
		x.mapped[c] = true
		items = append(items, c)
	}
	// The field holds a value when one of its columns does: it is empty
	// (null, '', exists: false) when all of them are.
	if testsAbsence(fm) {
		return &ast.AllOf{MapPos: fm.KeyPos, Items: items}
	}
	return &ast.AnyOf{ListPos: fm.KeyPos, Items: items}
}

// testsAbsence reports whether fm matches only a field without a value:
// null, the empty string or exists: false, not negated.
func testsAbsence(fm *ast.FieldMatch) bool {
	if fm.Negate {
		return false
	}
	for _, v := range fm.Values {
		switch v := v.(type) {
		case *ast.Null:
		case *ast.String:
			if len(v.Parts) > 0 {
				return false
			}
		case *ast.Exists:
			if v.Exists {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// mapRuleFields renames the rule's fields list (the fields a search shows
// for each match) with the same mapping, as the items: a field mapped to
// several becomes all of them, and with unmapped_only a name that an
// earlier mapping produced stays.
func (x *run) mapRuleFields(s *MapFields, m *Mapping) {
	if len(x.rule.Fields) == 0 {
		return
	}
	if x.fieldsMapped == nil {
		x.fieldsMapped = make([]bool, len(x.rule.Fields))
	}
	out := make([]string, 0, len(x.rule.Fields))
	mapped := make([]bool, 0, len(x.rule.Fields))
	for i, f := range x.rule.Fields {
		to, ok := m.Lookup(f)
		if !ok || s.UnmappedOnly && x.fieldsMapped[i] || len(s.Fields) > 0 && !slices.Contains(s.Fields, f) {
			out = append(out, f)
			mapped = append(mapped, x.fieldsMapped[i])
			continue
		}
		for _, name := range to {
			out = append(out, name)
			mapped = append(mapped, true)
		}
	}
	x.rule.Fields, x.fieldsMapped = out, mapped
}

// mapRefs renames the fields that field references point to.
func mapRefs(m *Mapping, fm *ast.FieldMatch) {
	for _, v := range fm.Values {
		if r, ok := v.(*ast.FieldRef); ok {
			if to, ok := m.Lookup(r.Field); ok {
				r.Field = to[0]
			}
		}
	}
}
