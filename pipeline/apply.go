package pipeline

import (
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
)

// Options are the settings of one conversion run that pipelines see.
type Options struct {
	QueryTable string              // table for every rule; wins over every pipeline
	Vars       map[string][]string // placeholder values given on the command line
	// DropUnresolved removes values whose placeholders have no value
	// (and items left without values) instead of failing the rule.
	DropUnresolved bool

	noSuggest bool // do not look for other pipelines that convert a rejected rule
}

// A Result is a rule prepared for a backend by the pipelines.
type Result struct {
	Rule       *ast.Rule      // a processed copy of the rule
	Table      string         // the query table, if a pipeline chose one
	Schema     *Table         // the table's schema, if a pipeline knows it
	State      map[string]any // values set by set_state
	Query      string         // how the backend's condition becomes the query; "" for as is
	TimeColumn string         // the event time column ("" if no pipeline says)
	Columns    []*Column      // columns the query may compute (computed_column)

	// Warnings are problems that do not stop the conversion: parts of the
	// rule left out because the target lacks their data (unavailable.go).
	Warnings ast.ErrorList

	pipelines   []*Pipeline
	applied     map[string]bool
	exprs       map[*ast.String]string // see Expression
	unavailable map[ast.Value]string   // values the target cannot test, and why
}

// Expression returns the query expression that a placeholders step in
// mode expression gave the value v (a string that keeps its placeholders),
// with "{field}" replaced by field, the name the backend prints for the
// field; ok is false for other values. The expression is target text,
// written in the pipeline: it lives here, not in the rule.
func (r *Result) Expression(v *ast.String, field string) (expr string, ok bool) {
	if r == nil {
		return "", false
	}
	e, ok := r.exprs[v]
	if !ok {
		return "", false
	}
	return strings.ReplaceAll(e, "{field}", field), true
}

func (r *Result) setExpression(v *ast.String, expr string) {
	if r.exprs == nil {
		r.exprs = map[*ast.String]string{}
	}
	r.exprs[v] = expr
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

// field replays the steps that held for the rule on a lone item testing
// name: each step's field method treats it as its apply treats an item of
// the rule. The replay changes nothing of r.
func (r *Result) field(name string, pos ast.Pos, check bool) (string, error) {
	fm := &ast.FieldMatch{KeyPos: pos, Field: name}
	rule := *r.Rule
	rule.Detection = &ast.Detection{Searches: []*ast.Search{{NamePos: pos, Name: "field", Body: fm}}}
	x := &run{rule: &rule, res: r, mapped: map[*ast.FieldMatch]bool{}, applied: maps.Clone(r.applied), check: check}
	for _, p := range r.pipelines {
		x.p = p
		for _, s := range p.Steps {
			if x.holds(s.Common().When) {
				fm = s.field(x, fm)
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

// noPipeline is the pipeline of steps that belong to none.
var noPipeline = &Pipeline{}

// Apply runs the pipelines, in order, over a copy of r. The copy is made
// before the first step that may change the rule (see keepsRule): a rule
// that the pipelines reject while they choose its table is never copied.
func Apply(ps []*Pipeline, r *ast.Rule, opt Options) (*Result, error) {
	x := &run{
		orig:    r,
		rule:    r,
		res:     &Result{State: map[string]any{}, pipelines: ps},
		mapped:  map[*ast.FieldMatch]bool{},
		applied: map[string]bool{},
		opt:     opt,
		check:   true,
		p:       noPipeline,
	}
	x.res.Table = QueryTable(ps, opt)
	if len(opt.Vars) > 0 {
		x.own()
		// Values given on the command line resolve placeholders before
		// any pipeline runs, whatever the pipelines.
		(&Placeholders{StepCommon: StepCommon{Type: "placeholders"}}).apply(x)
	}
	for _, p := range ps {
		x.p = p
		if p.Query != "" {
			x.res.Query = p.Query
		}
		if p.TimeColumn != "" {
			x.res.TimeColumn = p.TimeColumn
		}
		for _, s := range p.Steps {
			if !x.holds(s.Common().When) {
				continue
			}
			if !keepsRule(s) {
				x.own()
			}
			s.apply(x)
			if len(x.errs) > 0 {
				// Later steps would only add noise to an error the
				// user has to fix first.
				return nil, x.errs
			}
		}
	}
	x.own()
	x.res.Rule = x.rule
	if x.pruneUnavailable(); len(x.errs) > 0 {
		return nil, x.errs
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

// own makes the rule of the run its own copy, if it is not yet.
func (x *run) own() {
	if x.rule == x.orig {
		x.rule = copyRule(x.orig)
	}
}

// keepsRule reports whether step s leaves the rule as it is: it sets the
// table or the state, or rejects the rule.
func keepsRule(s Step) bool {
	switch s.(type) {
	case *SetTable, *SelectTable, *SetState, *Fail:
		return true
	}
	return false
}

// copyRule returns the copy of r that a run changes: its detection's
// searches, matchers and field matches are copied, as ast.Rule.Copy does,
// but most values are shared, because steps replace values and never
// change them, except field references (renamed) and expansions (whose
// alternatives are replaced), which are copied; modifiers, tags and the
// fields list are shared too (no step changes them in place). Backends do
// not change them either; TestApplyLeavesRuleUnchanged checks both on the
// corpus.
func copyRule(r *ast.Rule) *ast.Rule {
	c := *r
	c.Tags = slices.Clip(r.Tags)     // shared: no step changes them
	c.Fields = slices.Clip(r.Fields) // shared: map_fields replaces them
	if r.Detection != nil {
		d := *r.Detection
		d.Searches = make([]*ast.Search, len(r.Detection.Searches))
		searches := make([]ast.Search, len(r.Detection.Searches))
		cp := newCopier(r.Detection.Searches)
		for i, s := range r.Detection.Searches {
			searches[i] = ast.Search{NamePos: s.NamePos, Name: s.Name, Body: cp.matcher(s.Body)}
			d.Searches[i] = &searches[i]
		}
		d.Conditions = append([]*ast.Condition(nil), r.Detection.Conditions...)
		d.Exclusions = append([]*ast.Exclusion(nil), r.Detection.Exclusions...)
		c.Detection = &d
	}
	return &c
}

// A copier copies the matchers of a rule for copyRule with few
// allocations: it takes the field matches, the item lists and the value
// lists of the copies from one slice each, every list capped at its length
// (a step that appends to one gets a new array).
type copier struct {
	fms   []ast.FieldMatch
	items []ast.Matcher
	vals  []ast.Value
}

// newCopier returns a copier with room for the matchers of searches.
func newCopier(searches []*ast.Search) *copier {
	var fms, items, vals int
	var count func(m ast.Matcher)
	count = func(m ast.Matcher) {
		switch m := m.(type) {
		case *ast.AllOf:
			items += len(m.Items)
			for _, x := range m.Items {
				count(x)
			}
		case *ast.AnyOf:
			items += len(m.Items)
			for _, x := range m.Items {
				count(x)
			}
		case *ast.FieldMatch:
			fms++
			vals += len(m.Values)
		}
	}
	for _, s := range searches {
		count(s.Body)
	}
	return &copier{fms: make([]ast.FieldMatch, 0, fms), items: make([]ast.Matcher, 0, items), vals: make([]ast.Value, 0, vals)}
}

// matcher copies m.
func (cp *copier) matcher(m ast.Matcher) ast.Matcher {
	switch m := m.(type) {
	case *ast.AllOf:
		return &ast.AllOf{MapPos: m.MapPos, Items: cp.itemList(m.Items)}
	case *ast.AnyOf:
		return &ast.AnyOf{ListPos: m.ListPos, Items: cp.itemList(m.Items)}
	case *ast.FieldMatch:
		c := *m
		c.Modifiers = slices.Clip(m.Modifiers)
		start := len(cp.vals)
		for _, v := range m.Values {
			switch v.(type) {
			case *ast.FieldRef, *ast.Expansion:
				v = ast.CopyValue(v)
			}
			cp.vals = append(cp.vals, v)
		}
		c.Values = cp.vals[start:len(cp.vals):len(cp.vals)]
		cp.fms = append(cp.fms, c)
		return &cp.fms[len(cp.fms)-1]
	}
	return m
}

// itemList copies the items of an AllOf or AnyOf.
func (cp *copier) itemList(items []ast.Matcher) []ast.Matcher {
	start := len(cp.items)
	cp.items = append(cp.items, items...)
	out := cp.items[start:len(cp.items):len(cp.items)]
	for i, x := range items {
		out[i] = cp.matcher(x)
	}
	return out
}

// A run is the state of one application of pipelines to a rule (Apply),
// or of the replay of their steps on one field name (Result.field).
type run struct {
	orig         *ast.Rule // the rule as given to Apply
	rule         *ast.Rule // orig until a step may change it, then a copy (own)
	res          *Result
	p            *Pipeline                // the pipeline whose steps run
	mapped       map[*ast.FieldMatch]bool // items a mapping produced
	fieldsMapped []bool                   // which names of rule.Fields a mapping produced
	applied      map[string]bool
	opt          Options
	check        bool // whether steps that check field names run
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

// rulePos is where errors about the whole rule are reported: its log
// source, else the rule itself.
func (x *run) rulePos() ast.Pos {
	if pos := x.rule.Logsource.LogPos; pos.IsValid() {
		return pos
	}
	return x.rule.DocPos
}

// expand fills {table}, {category}, {product}, {service} and {logsource} (all
// three, as "product: p, service: s") in a message. Other braces are kept.
func expand(msg string, x *run) string {
	i := strings.IndexByte(msg, '{')
	if i < 0 {
		return msg
	}
	var b strings.Builder
	b.Grow(len(msg) + 32)
	for ; i >= 0; i = strings.IndexByte(msg, '{') {
		b.WriteString(msg[:i])
		msg = msg[i:]
		name, value, ok := x.messageValue(msg)
		if !ok {
			b.WriteByte('{')
			msg = msg[1:]
			continue
		}
		b.WriteString(value)
		msg = msg[len(name)+2:]
	}
	b.WriteString(msg)
	return b.String()
}

// messageValue returns the name of the placeholder that msg starts with
// ("{name}...") and its value in the run, if expand knows it.
func (x *run) messageValue(msg string) (name, value string, ok bool) {
	end := strings.IndexByte(msg, '}')
	if end < 0 {
		return "", "", false
	}
	ls := x.rule.Logsource
	switch name = msg[1:end]; name {
	case "table":
		return name, x.res.Table, true
	case "category":
		return name, ls.Category, true
	case "product":
		return name, ls.Product, true
	case "service":
		return name, ls.Service, true
	case "logsource":
		return name, logsourceText(ls), true
	}
	return "", "", false
}

// logsourceText writes the parts of a log source that a rule gives as
// "product: p, category: c, service: s".
func logsourceText(ls ast.Logsource) string {
	var all []string
	for _, kv := range [][2]string{{"product", ls.Product}, {"category", ls.Category}, {"service", ls.Service}} {
		if kv[1] != "" {
			all = append(all, kv[0]+": "+kv[1])
		}
	}
	return strings.Join(all, ", ")
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
// fields: f returns the replacement values, or nil to keep the value.
func (x *run) eachValue(c *StepCommon, fields []string, f func(*ast.FieldMatch, ast.Value) []ast.Value) {
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		if fm.Field == "" || !slices.Contains(fields, fm.Field) {
			return fm
		}
		var out []ast.Value
		changed := false
		for _, v := range fm.Values {
			if s, ok := v.(*ast.String); ok && x.res.hasExpression(s) {
				out = append(out, v) // a placeholder the backend prints as an expression
				continue
			}
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
			c.mark(x)
		}
		return fm
	})
}

// dropUnresolved removes the values that still hold placeholders, and the
// items left without values.
func (x *run) dropUnresolved() {
	x.rewrite(func(fm *ast.FieldMatch) ast.Matcher {
		var keep []ast.Value
		dropped := false
		for _, v := range fm.Values {
			if s, ok := v.(*ast.String); ok && s.HasPlaceholders() && !x.res.hasExpression(s) {
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

func (r *Result) hasExpression(v *ast.String) bool {
	_, ok := r.exprs[v]
	return ok
}
