package pipeline

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/internal/suggest"
)

// Options are the settings of one conversion run that pipelines see.
type Options struct {
	QueryTable string              // table for every rule; wins over every pipeline
	Vars       map[string][]string // placeholder values given on the command line
	// DropUnresolved removes values whose placeholders have no value
	// (and items left without values) instead of failing the rule.
	DropUnresolved bool
}

// A Result is a rule prepared for a backend by the pipelines.
type Result struct {
	Rule       *ast.Rule      // a processed copy of the rule
	Table      string         // the query table, if a pipeline chose one
	Schema     *Table         // the table's schema, if a pipeline knows it
	State      map[string]any // values set by set_state
	Query      string         // how the backend's condition becomes the query; "" for as is
	TimeColumn string         // the event time column ("" if no pipeline says)

	pipelines []*Pipeline
	applied   map[string]bool
}

// MapField returns the name the pipelines give the Sigma field name in
// this rule, for fields that the rule does not test itself (correlation
// group-by fields, aliases). A name mapped to several fields gets the first.
func (r *Result) MapField(name string) string {
	f, _ := r.field(name, ast.Pos{}, false)
	return f
}

// CheckField is MapField, and also applies the steps that check field
// names (allow_fields, validate_fields) as they would check an item of the
// rule that tests the field: the error, at pos, says why a pipeline does
// not accept the field in this rule.
func (r *Result) CheckField(name string, pos ast.Pos) (string, error) {
	return r.field(name, pos, true)
}

func (r *Result) field(name string, pos ast.Pos, check bool) (string, error) {
	fm := &ast.FieldMatch{KeyPos: pos, Field: name}
	rule := *r.Rule
	rule.Detection = &ast.Detection{Searches: []*ast.Search{{NamePos: pos, Name: "field", Body: fm}}}
	x := &run{rule: &rule, res: r, mapped: map[*ast.FieldMatch]bool{}, applied: r.applied}
	for _, p := range r.pipelines {
		for _, t := range p.Transformations {
			if !x.holds(t.When) {
				continue
			}
			switch t.Type {
			case "map_fields":
				m := t.Mapping
				if t.TableMapping != nil {
					m = t.TableMapping[r.Table]
				}
				if t.UnmappedOnly && x.mapped[fm] || len(t.Fields) > 0 && !slices.Contains(t.Fields, fm.Field) {
					continue
				}
				if to, ok := m.Lookup(fm.Field); ok {
					fm.Field = to[0]
					x.mapped[fm] = true
				}
			case "allow_fields":
				if check {
					x.allowFields(t)
				}
			case "validate_fields":
				if check {
					x.validateFields(p, t)
				}
			}
		}
	}
	return fm.Field, x.errs.Err()
}

// Sort orders pipelines for a run: by priority, then in the given order.
func Sort(ps []*Pipeline) []*Pipeline {
	out := append([]*Pipeline(nil), ps...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Priority < out[j].Priority })
	return out
}

// QueryTable returns the table that a run sets for every rule, or "": the
// -O query_table option, else the query_table of the first pipeline (in
// run order) that has one. It is set before any pipeline runs, so a
// pipeline's query_table wins over the table selection of every pipeline,
// whatever their priorities, and each pipeline's mappings for that table
// apply.
func QueryTable(ps []*Pipeline, opt Options) string {
	if opt.QueryTable != "" {
		return opt.QueryTable
	}
	for _, p := range ps {
		if p.QueryTable != "" {
			return p.QueryTable
		}
	}
	return ""
}

// Apply runs the pipelines, in order, over a copy of r.
func Apply(ps []*Pipeline, r *ast.Rule, opt Options) (*Result, error) {
	x := &run{
		res:     &Result{Rule: copyRule(r), State: map[string]any{}, pipelines: ps},
		mapped:  map[*ast.FieldMatch]bool{},
		applied: map[string]bool{},
		opt:     opt,
	}
	x.rule = x.res.Rule
	x.res.Table = QueryTable(ps, opt)
	if len(opt.Vars) > 0 {
		// Values given on the command line resolve placeholders before
		// any pipeline runs, whatever the pipelines.
		x.placeholders(&Pipeline{}, &Transformation{Type: "placeholders"})
	}
	for _, p := range ps {
		if p.Query != "" {
			x.res.Query = p.Query
		}
		if p.TimeColumn != "" {
			x.res.TimeColumn = p.TimeColumn
		}
		for _, t := range p.Transformations {
			if !x.holds(t.When) {
				continue
			}
			x.apply(p, t)
			if len(x.errs) > 0 {
				// Later steps would only add noise to an error the
				// user has to fix first.
				return nil, x.errs
			}
		}
	}
	for _, p := range ps {
		if t, ok := p.Schema[x.res.Table]; ok && x.res.Schema == nil {
			x.res.Schema = t
		}
	}
	if opt.DropUnresolved {
		x.dropUnresolved()
	}
	x.res.applied = x.applied
	return x.res, nil
}

// copyRule returns the copy of r that a run changes: its detection's
// searches, matchers and field matches are copied, as ast.Rule.Copy does,
// but most values are shared, because steps replace values and never
// change them, except field references (renamed) and expansions (whose
// alternatives are replaced), which are copied. Backends do not change
// values either; TestApplyLeavesRuleUnchanged checks both on the corpus.
func copyRule(r *ast.Rule) *ast.Rule {
	c := *r
	c.Tags = append([]string(nil), r.Tags...)
	c.Fields = append([]string(nil), r.Fields...)
	if r.Detection != nil {
		d := *r.Detection
		d.Searches = make([]*ast.Search, len(r.Detection.Searches))
		for i, s := range r.Detection.Searches {
			d.Searches[i] = &ast.Search{NamePos: s.NamePos, Name: s.Name, Body: copyMatcher(s.Body)}
		}
		d.Conditions = append([]*ast.Condition(nil), r.Detection.Conditions...)
		d.Exclusions = append([]*ast.Exclusion(nil), r.Detection.Exclusions...)
		c.Detection = &d
	}
	return &c
}

// copyMatcher copies m for copyRule.
func copyMatcher(m ast.Matcher) ast.Matcher {
	switch m := m.(type) {
	case *ast.AllOf:
		c := &ast.AllOf{MapPos: m.MapPos, Items: make([]ast.Matcher, len(m.Items))}
		for i, x := range m.Items {
			c.Items[i] = copyMatcher(x)
		}
		return c
	case *ast.AnyOf:
		c := &ast.AnyOf{ListPos: m.ListPos, Items: make([]ast.Matcher, len(m.Items))}
		for i, x := range m.Items {
			c.Items[i] = copyMatcher(x)
		}
		return c
	case *ast.FieldMatch:
		c := *m
		c.Modifiers = append([]ast.Modifier(nil), m.Modifiers...)
		c.Values = make([]ast.Value, len(m.Values))
		for i, v := range m.Values {
			switch v.(type) {
			case *ast.FieldRef, *ast.Expansion:
				v = ast.CopyValue(v)
			}
			c.Values[i] = v
		}
		return &c
	}
	return m
}

type run struct {
	rule         *ast.Rule
	res          *Result
	mapped       map[*ast.FieldMatch]bool
	fieldsMapped []bool // which names of rule.Fields a mapping produced
	applied      map[string]bool
	opt          Options
	errs         ast.ErrorList
	added        int
}

func (x *run) holds(c *RuleCond) bool {
	if c == nil {
		return true
	}
	ls := x.rule.Logsource
	if len(c.Category) > 0 && !slices.Contains(c.Category, ls.Category) ||
		len(c.CategoryNot) > 0 && slices.Contains(c.CategoryNot, ls.Category) ||
		len(c.Product) > 0 && !slices.Contains(c.Product, ls.Product) ||
		len(c.Service) > 0 && !slices.Contains(c.Service, ls.Service) ||
		len(c.Table) > 0 && !slices.Contains(c.Table, x.res.Table) ||
		len(c.TableNot) > 0 && slices.Contains(c.TableNot, x.res.Table) {
		return false
	}
	for _, id := range c.Applied {
		if !x.applied[id] {
			return false
		}
	}
	for _, id := range c.NotApplied {
		if x.applied[id] {
			return false
		}
	}
	if len(c.Tag) > 0 {
		found := false
		for _, t := range x.rule.Tags {
			found = found || slices.Contains(c.Tag, t)
		}
		if !found {
			return false
		}
	}
	return true
}

func (x *run) mark(t *Transformation) {
	if t.ID != "" {
		x.applied[t.ID] = true
	}
}

func (x *run) apply(p *Pipeline, t *Transformation) {
	switch t.Type {
	case "select_table":
		x.selectTable(p, t)
	case "set_table":
		if x.res.Table == "" {
			x.res.Table = fmt.Sprint(t.Value)
			x.mark(t)
		}
	case "drop_fields":
		x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
			if fm.Field != "" && slices.Contains(t.Fields, fm.Field) {
				x.mark(t)
				return nil
			}
			return fm
		})
	case "map_fields":
		x.mapFields(t)
	case "prefix_fields":
		x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
			if fm.Field != "" && (len(t.Fields) == 0 || slices.Contains(t.Fields, fm.Field)) {
				fm.Field = fmt.Sprint(t.Value) + fm.Field
				x.mark(t)
			}
			return fm
		})
	case "map_values":
		x.eachValue(t, func(fm *ast.FieldMatch, v ast.Value) []ast.Value {
			var key string
			cased := false
			switch v := v.(type) {
			case *ast.String:
				if !v.IsPlain() {
					return nil
				}
				key, cased = v.Plain(), v.Cased
			case *ast.Number:
				key = v.Text
			default:
				return nil
			}
			repl, ok := t.ValueMap[key]
			if !ok {
				return nil
			}
			out := make([]ast.Value, len(repl))
			for i, r := range repl {
				n := ast.NewString(v.Pos(), r)
				n.Cased = cased
				out[i] = n
			}
			return out
		})
	case "basename_value":
		x.eachValue(t, func(fm *ast.FieldMatch, v ast.Value) []ast.Value {
			text, ok := ast.ValueText(v)
			if !ok {
				return nil
			}
			if i := strings.LastIndexByte(text, '\\'); i >= 0 {
				text = text[i+1:]
			}
			if i := strings.LastIndexByte(text, '/'); i >= 0 {
				text = text[i+1:]
			}
			return []ast.Value{ast.ParseString(v.Pos(), text)}
		})
	case "replace_prefix":
		x.eachValue(t, func(fm *ast.FieldMatch, v ast.Value) []ast.Value {
			return replacePrefix(t, v)
		})
	case "split_domain_user":
		x.splitDomainUser(t)
	case "split_hashes":
		x.splitHashes(t)
	case "validate_fields":
		x.validateFields(p, t)
	case "allow_fields":
		x.allowFields(t)
	case "add_condition":
		x.addCondition(t)
	case "set_state":
		x.res.State[t.Key] = t.Value
		x.mark(t)
	case "fail":
		pos := x.rule.Logsource.LogPos
		if !pos.IsValid() {
			pos = x.rule.DocPos
		}
		x.errs.Add(pos, expand(t.Message, x))
	case "placeholders":
		x.placeholders(p, t)
	}
}

// expand fills {table}, {category}, {product} and {service} in a message.
func expand(msg string, x *run) string {
	ls := x.rule.Logsource
	return strings.NewReplacer("{table}", x.res.Table, "{category}", ls.Category, "{product}", ls.Product, "{service}", ls.Service).Replace(msg)
}

// ----------------------------------------------------------------------------
// Walking and rewriting detection items

// rewrite calls f for every field match of every search, in rule order,
// and puts what f returns in its place: the match itself, a replacement,
// or nil to remove it. A search left without items matches nothing and
// converts to nothing.
func (x *run) rewrite(f func(*ast.FieldMatch) ast.Matcher) {
	if x.rule.Detection == nil {
		return
	}
	for _, s := range x.rule.Detection.Searches {
		if s.Body = rewriteMatcher(s.Body, f); s.Body == nil {
			s.Body = &ast.AllOf{MapPos: s.NamePos}
		}
	}
}

func rewriteMatcher(m ast.Matcher, f func(*ast.FieldMatch) ast.Matcher) ast.Matcher {
	switch m := m.(type) {
	case *ast.AllOf:
		m.Items = rewriteItems(m.Items, f)
		return m
	case *ast.AnyOf:
		m.Items = rewriteItems(m.Items, f)
		return m
	case *ast.FieldMatch:
		return f(m)
	}
	return m
}

// rewriteItems rewrites the items of a matcher in place: the rule is the
// run's own copy, and most steps change no item, so that a new slice for
// every matcher of every rule at every step would only feed the garbage
// collector.
func rewriteItems(items []ast.Matcher, f func(*ast.FieldMatch) ast.Matcher) []ast.Matcher {
	out := items[:0]
	for _, it := range items {
		if n := rewriteMatcher(it, f); n != nil {
			out = append(out, n)
		}
	}
	clear(items[len(out):])
	return out
}

// eachValue replaces the values of the items whose field is one of
// t.Fields: f returns the replacement values, or nil to keep the value.
func (x *run) eachValue(t *Transformation, f func(*ast.FieldMatch, ast.Value) []ast.Value) {
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		if fm.Field == "" || !slices.Contains(t.Fields, fm.Field) {
			return fm
		}
		var out []ast.Value
		changed := false
		for _, v := range fm.Values {
			if e, ok := v.(*ast.Expansion); ok {
				var vals []ast.Value
				for _, ev := range e.Values {
					if r := f(fm, ev); r != nil {
						vals = append(vals, r...)
						changed = true
					} else {
						vals = append(vals, ev)
					}
				}
				e.Values = vals
				out = append(out, e)
				continue
			}
			if r := f(fm, v); r != nil {
				out = append(out, r...)
				changed = true
				continue
			}
			out = append(out, v)
		}
		if changed {
			fm.Values = out
			x.mark(t)
		}
		return fm
	})
}

// ----------------------------------------------------------------------------
// Tables

func (x *run) selectTable(p *Pipeline, t *Transformation) {
	if x.res.Table != "" {
		return
	}
	ts := p.Tables
	if ts == nil {
		x.errs.Addf(t.Pos, "pipeline %s: select_table needs a tables section", p.Name)
		return
	}
	ls := x.rule.Logsource
	if ls.Category != "" {
		if table, ok := ts.Categories[ls.Category]; ok {
			x.res.Table = table
			x.mark(t)
			return
		}
		x.noTable(p, fmt.Sprintf("log source category %q has no table in pipeline %s", ls.Category, p.Name))
		return
	}
	if ts.EventIDs != nil && x.rule.Detection != nil {
		if table := x.scanEventIDs(ts.EventIDs); table != "" {
			x.res.Table = table
			x.mark(t)
			return
		}
	}
	what := "the rule has no log source category"
	if ls.Service != "" {
		what += fmt.Sprintf(" (service %q)", ls.Service)
	}
	if ts.EventIDs != nil {
		what += " and no event ID that pipeline " + p.Name + " knows in a 'sel*' search"
	} else {
		what += " that pipeline " + p.Name + " maps"
	}
	x.noTable(p, what)
}

func (x *run) noTable(p *Pipeline, why string) {
	cats := make([]string, 0, len(p.Tables.Categories))
	for c := range p.Tables.Categories {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	pos := x.rule.Logsource.LogPos
	if !pos.IsValid() {
		pos = x.rule.DocPos
	}
	x.errs.Addf(pos, "cannot choose a query table: %s (categories with a table: %s); set one with -O query_table=TABLE", why, strings.Join(cats, ", "))
}

func (x *run) scanEventIDs(scan *EventIDScan) string {
	for _, s := range x.rule.Detection.Searches {
		if !strings.HasPrefix(strings.ToLower(s.Name), scan.Detections) {
			continue
		}
		m, ok := s.Body.(*ast.AllOf)
		if !ok {
			continue
		}
		for _, it := range m.Items {
			fm, ok := it.(*ast.FieldMatch)
			if !ok || !slices.Contains(scan.Fields, fm.Field) {
				continue
			}
			for _, v := range fm.Values {
				id, ok := eventID(v)
				if !ok {
					continue
				}
				for _, g := range scan.Groups {
					if slices.Contains(g.IDs, id) {
						if g.Table != "" {
							return g.Table
						}
						break
					}
				}
			}
		}
	}
	return ""
}

func eventID(v ast.Value) (int64, bool) {
	switch v := v.(type) {
	case *ast.Number:
		return v.Int()
	case *ast.String:
		if v.IsPlain() {
			i, err := strconv.ParseInt(strings.TrimSpace(v.Plain()), 10, 64)
			return i, err == nil
		}
	}
	return 0, false
}

// ----------------------------------------------------------------------------
// Field names

func (x *run) mapFields(t *Transformation) {
	m := t.Mapping
	if t.TableMapping != nil {
		m = t.TableMapping[x.res.Table]
	}
	if m == nil {
		return
	}
	x.mapRuleFields(t, m)
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		mapRefs(m, fm)
		if fm.Field == "" || t.UnmappedOnly && x.mapped[fm] || len(t.Fields) > 0 && !slices.Contains(t.Fields, fm.Field) {
			return fm
		}
		to, ok := m.Lookup(fm.Field)
		if !ok {
			return fm
		}
		x.mark(t)
		if len(to) == 1 {
			fm.Field = to[0]
			x.mapped[fm] = true
			return fm
		}
		any := &ast.AnyOf{ListPos: fm.KeyPos}
		for _, f := range to {
			c := ast.CopyMatcher(fm).(*ast.FieldMatch)
			c.Field = f
			x.mapped[c] = true
			any.Items = append(any.Items, c)
		}
		return any
	})
}

// mapRuleFields renames the rule's fields list (the fields a search shows
// for each match) with the same mapping, as the items: a field mapped to
// several becomes all of them, and with unmapped_only a name that an
// earlier mapping produced stays.
func (x *run) mapRuleFields(t *Transformation, m *Mapping) {
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
		if !ok || t.UnmappedOnly && x.fieldsMapped[i] || len(t.Fields) > 0 && !slices.Contains(t.Fields, f) {
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

func (x *run) validateFields(p *Pipeline, t *Transformation) {
	table, ok := p.Schema[x.res.Table]
	if !ok {
		return // a table the pipeline does not know: any field may exist
	}
	check := func(pos ast.Pos, field, what string) {
		if x.fieldAllowed(p, t, table, field) {
			return
		}
		columns := make([]string, 0, len(table.Columns))
		for c := range table.Columns {
			columns = append(columns, c)
		}
		sort.Strings(columns)
		msg := fmt.Sprintf("%s %q is not a column of table %s in pipeline %s", what, field, x.res.Table, p.Name)
		if s := suggest.Nearest(field, columns); s != "" {
			msg += fmt.Sprintf(", did you mean %q?", s)
		}
		x.errs.Add(pos, msg)
	}
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		if fm.Field != "" {
			check(fm.KeyPos, fm.Field, "field")
		}
		for _, v := range fm.Values {
			if r, ok := v.(*ast.FieldRef); ok {
				check(r.ValuePos, r.Field, "referenced field")
			}
		}
		return fm
	})
}

// fieldAllowed reports whether validate_fields step t accepts field in
// table: a column of the table, a name the step allows, or, with
// allow_mapping_keys, a name that a map_fields step of the pipeline maps
// for this table. It is called for every field of every rule, so it only
// looks names up.
func (x *run) fieldAllowed(p *Pipeline, t *Transformation, table *Table, field string) bool {
	if _, ok := table.Columns[field]; ok || slices.Contains(t.Allow, field) {
		return true
	}
	if !t.AllowMappingKeys {
		return false
	}
	for _, o := range p.Transformations {
		if o.Type != "map_fields" {
			continue
		}
		m := o.Mapping
		if o.TableMapping != nil {
			m = o.TableMapping[x.res.Table]
		}
		if _, ok := m.Lookup(field); ok {
			return true
		}
	}
	return false
}

// allowFields rejects every item whose field, or the field it refers to,
// is not listed; a keyword (an item without a field) is never allowed.
func (x *run) allowFields(t *Transformation) {
	check := func(pos ast.Pos, field string) {
		if field != "" && slices.Contains(t.Allow, field) {
			return
		}
		msg := t.Message
		if msg == "" {
			msg = "field %q is not supported here; supported fields: " + strings.Join(t.Allow, ", ")
		}
		name := strconv.Quote(field)
		if field == "" {
			name = "a keyword (a value without a field)"
			msg = strings.Replace(msg, "field %q", "%q", 1)
		}
		msg = strings.Replace(msg, "%q", name, 1)
		x.errs.Add(pos, expand(msg, x))
	}
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		check(fm.KeyPos, fm.Field)
		for _, v := range fm.Values {
			if r, ok := v.(*ast.FieldRef); ok {
				check(r.ValuePos, r.Field)
			}
		}
		return fm
	})
}

// ----------------------------------------------------------------------------
// Values

// replacePrefix replaces a case-insensitive prefix of a value's text. With
// ReparseText it reproduces the reference pipelines exactly: every value of
// the field is rebuilt from its text with backslashes doubled except before
// a wildcard, so a backslash right before a wildcard is lost and the
// wildcard becomes a literal character.
func replacePrefix(t *Transformation, v ast.Value) []ast.Value {
	switch v.(type) {
	case *ast.String, *ast.Number:
	default:
		return nil
	}
	s, isStr := v.(*ast.String)
	if !t.ReparseText {
		if !isStr || len(s.Parts) == 0 || s.Parts[0].Kind != ast.Literal || !hasPrefixFold(s.Parts[0].Text, t.Prefix) {
			return nil
		}
		c := s.Copy()
		c.Parts[0].Text = t.Replacement + c.Parts[0].Text[len(t.Prefix):]
		return []ast.Value{c}
	}
	text, _ := ast.ValueText(v)
	if hasPrefixFold(text, t.Prefix) {
		text = t.Replacement + text[len(t.Prefix):]
	}
	var b strings.Builder
	for i := 0; i < len(text); i++ {
		b.WriteByte(text[i])
		if text[i] == '\\' && (i+1 >= len(text) || text[i+1] != '*' && text[i+1] != '?') {
			b.WriteByte('\\')
		}
	}
	n := ast.ParseString(v.Pos(), b.String())
	if isStr {
		n.Cased = s.Cased
	}
	return []ast.Value{n}
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// splitDomainUser splits DOMAIN\user values into a user and a domain test.
// Like the reference, the item becomes an OR with one branch per value and
// the parts of a split value are compared without the item's modifiers.
func (x *run) splitDomainUser(t *Transformation) {
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		if fm.Field == "" || !slices.Contains(t.Fields, fm.Field) {
			return fm
		}
		for _, v := range fm.Values {
			if _, ok := ast.ValueText(v); !ok {
				return fm // null, field references, ...: left as they are
			}
		}
		x.mark(t)
		domain := t.DomainFields[fm.Field]
		if domain == "" {
			domain = t.DefaultDomain
		}
		any := &ast.AnyOf{ListPos: fm.KeyPos}
		for _, v := range fm.Values {
			text, _ := ast.ValueText(v)
			parts := strings.Split(text, `\`)
			if len(parts) == 2 {
				any.Items = append(any.Items, &ast.AllOf{MapPos: fm.KeyPos, Items: []ast.Matcher{
					&ast.FieldMatch{KeyPos: fm.KeyPos, Field: fm.Field, Values: []ast.Value{ast.ParseString(v.Pos(), parts[1])}},
					&ast.FieldMatch{KeyPos: fm.KeyPos, Field: domain, Values: []ast.Value{ast.ParseString(v.Pos(), parts[0])}},
				}})
				continue
			}
			c := &ast.FieldMatch{KeyPos: fm.KeyPos, Field: fm.Field, Modifiers: fm.Modifiers, Negate: fm.Negate}
			for _, part := range parts {
				s := ast.ParseString(v.Pos(), part)
				for _, m := range fm.Modifiers {
					wrap(s, m.Name)
				}
				c.Values = append(c.Values, s)
			}
			any.Items = append(any.Items, c)
		}
		if len(any.Items) == 1 {
			return any.Items[0]
		}
		return any
	})
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

// splitHashes turns "ALGO=hash" values into one item per algorithm.
func (x *run) splitHashes(t *Transformation) {
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		if fm.Field == "" || !slices.Contains(t.Fields, fm.Field) || len(x.errs) > 0 {
			return fm
		}
		var order []string
		groups := map[string][]ast.Value{}
		valid := false
		for _, v := range fm.Values {
			text, ok := ast.ValueText(v)
			if !ok {
				continue
			}
			algo, hash := hashAlgorithm(text, t.Algorithms)
			if algo != "" {
				valid = true
			}
			name := t.FieldPrefix
			if t.AppendAlgorithm {
				name += algo
			}
			if _, seen := groups[name]; !seen {
				order = append(order, name)
			}
			groups[name] = append(groups[name], ast.ParseString(v.Pos(), hash))
		}
		if !valid {
			x.errs.Addf(fm.KeyPos, "no value of %s names a known hash algorithm: expected ALGO=hash with ALGO one of %s", fm.Field, strings.Join(t.Algorithms, ", "))
			return fm
		}
		x.mark(t)
		any := &ast.AnyOf{ListPos: fm.KeyPos}
		for _, name := range order {
			if name == "" {
				continue
			}
			n := &ast.FieldMatch{KeyPos: fm.KeyPos, Field: name, Values: groups[name]}
			x.mapped[n] = true
			any.Items = append(any.Items, n)
		}
		if len(any.Items) == 1 {
			return any.Items[0]
		}
		return any
	})
}

// hashAlgorithm splits a Hashes value: "ALGO=hash" or "ALGO|hash", or a bare
// hash whose algorithm is told by its length.
func hashAlgorithm(text string, valid []string) (algo, hash string) {
	parts := strings.Split(text, "|")
	if len(parts) == 1 {
		parts = strings.Split(text, "=")
	}
	if len(parts) == 2 {
		name := strings.ToUpper(strings.TrimLeft(parts[0], "*"))
		if slices.Contains(valid, name) {
			return name, parts[1]
		}
		return "", parts[1]
	}
	hash = parts[0]
	switch len(hash) {
	case 32:
		return "MD5", hash
	case 40:
		return "SHA1", hash
	case 64:
		return "SHA256", hash
	case 128:
		return "SHA512", hash
	}
	return "", hash
}

// ----------------------------------------------------------------------------
// Conditions

// addCondition puts a test in front of every condition of the rule:
// "<test> and (<condition>)".
func (x *run) addCondition(t *Transformation) {
	d := x.rule.Detection
	if d == nil {
		return
	}
	x.added++
	name := fmt.Sprintf("_pipeline_%s_%d", t.ID, x.added)
	fm := &ast.FieldMatch{KeyPos: d.DetPos, Field: t.Field}
	for _, v := range t.Values {
		fm.Values = append(fm.Values, ast.NewString(d.DetPos, v))
	}
	fm.Negate = t.Negate
	d.Searches = append(d.Searches, &ast.Search{NamePos: d.DetPos, Name: name, Body: fm})
	conds := make([]*ast.Condition, len(d.Conditions))
	for i, c := range d.Conditions {
		nc := *c
		nc.Expr = &ast.And{OpPos: c.TextPos, X: []ast.Expr{&ast.Ident{NamePos: c.TextPos, Name: name}, &ast.Paren{LparenPos: c.TextPos, X: c.Expr}}}
		conds[i] = &nc
	}
	d.Conditions = conds
	x.mark(t)
}

// placeholders resolves the %name% placeholders of values under the expand
// modifier. Mode "values" (the default) replaces each placeholder by the
// values listed in vars (several values make an OR); "wildcard" replaces
// it by "*"; "expression" replaces the whole value by a query expression.
func (x *run) placeholders(p *Pipeline, t *Transformation) {
	lookup := func(name string) ([]string, bool) {
		if v, ok := x.opt.Vars[name]; ok {
			return v, true
		}
		v, ok := p.Vars[name]
		return v, ok
	}
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		var out []ast.Value
		changed := false
		for _, v := range fm.Values {
			s, ok := v.(*ast.String)
			if !ok || !s.HasPlaceholders() {
				out = append(out, v)
				continue
			}
			vals, ok := x.resolve(t, s, lookup)
			if !ok {
				out = append(out, v)
				continue
			}
			changed = true
			out = append(out, vals...)
		}
		if changed {
			fm.Values = out
			x.mark(t)
		}
		return fm
	})
}

func (x *run) resolve(t *Transformation, s *ast.String, lookup func(string) ([]string, bool)) ([]ast.Value, bool) {
	for _, part := range s.Parts {
		if part.Kind == ast.Placeholder && len(t.Names) > 0 && !slices.Contains(t.Names, part.Text) {
			return nil, false
		}
	}
	switch t.Mode {
	case "wildcard":
		c := &ast.String{ValuePos: s.ValuePos, Cased: s.Cased}
		for _, part := range s.Parts {
			if part.Kind == ast.Placeholder {
				part = ast.Part{Kind: ast.WildcardMulti}
			}
			c.Append(part)
		}
		return []ast.Value{c}, true
	case "expression":
		name := ""
		for _, part := range s.Parts {
			if part.Kind == ast.Placeholder {
				name = part.Text
			}
		}
		return []ast.Value{&ast.QueryExpr{ValuePos: s.ValuePos, Expr: strings.ReplaceAll(t.Expression, "{name}", name)}}, true
	}
	results := []*ast.String{{ValuePos: s.ValuePos, Cased: s.Cased}}
	for _, part := range s.Parts {
		if part.Kind != ast.Placeholder {
			for _, r := range results {
				r.Append(part)
			}
			continue
		}
		vals, ok := lookup(part.Text)
		if !ok {
			return nil, false
		}
		var next []*ast.String
		for _, r := range results {
			for _, v := range vals {
				c := r.Copy()
				for _, vp := range ast.ParseString(s.ValuePos, v).Parts {
					c.Append(vp)
				}
				next = append(next, c)
			}
		}
		results = next
	}
	out := make([]ast.Value, len(results))
	for i, r := range results {
		out[i] = r
	}
	return out, true
}

// dropUnresolved removes the values that still hold placeholders, and the
// items left without values.
func (x *run) dropUnresolved() {
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		var keep []ast.Value
		dropped := false
		for _, v := range fm.Values {
			if s, ok := v.(*ast.String); ok && s.HasPlaceholders() {
				dropped = true
				continue
			}
			keep = append(keep, v)
		}
		if !dropped {
			return fm
		}
		if len(keep) == 0 {
			return nil
		}
		fm.Values = keep
		return fm
	})
}
