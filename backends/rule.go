package backends

import (
	"slices"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// A Rule is a rule processed by the pipelines and resolved for the
// printers: the trees of its conditions and of its filters' exclusions, and
// the query template. Printers print it; they need not read the rule's
// conditions (ast.Expr) again.
type Rule struct {
	Result     *pipeline.Result
	Conditions []Condition  // the conditions that the pipelines did not leave empty, in order
	Exclusions []*Exclusion // the filters' conditions that exclude something, in order
	Template   Template     // the pipelines' query template; "" for none
}

// A Condition is one condition of the rule, resolved: the tests that the
// pipelines put in front of it (add_condition), in the order the steps
// added them, and the condition without them, for printers that write them
// apart (KQL's {prefilter}); Tree is the whole condition.
type Condition struct {
	Added []Node
	Rest  Node
}

// Tree returns the whole condition, "added 2 and (added 1 and (rest))", as
// resolving the rule's condition gives it.
func (c *Condition) Tree() Node {
	t := c.Rest
	for _, a := range c.Added {
		t = &And{Args: []Node{a, t}, Origin: FromCondition}
	}
	return t
}

// empty reports whether the condition converts to nothing.
func (c *Condition) empty() bool {
	for _, a := range c.Added {
		if !IsEmpty(a) {
			return false
		}
	}
	return IsEmpty(c.Rest)
}

// An Exclusion is the condition of a Sigma filter applied to the rule: the
// events it matches are left out of every query of the rule.
type Exclusion struct {
	Pos   ast.Pos // the filter
	Title string  // the filter's title
	Tree  Node
}

// NewRule resolves a processed rule. A rule without detection (a
// correlation's placeholder) has no conditions. A filter that the
// pipelines left empty excludes nothing and is left out.
func NewRule(res *pipeline.Result) *Rule {
	r := &Rule{Result: res, Template: Template(res.Query)}
	d := res.Rule.Detection
	if d == nil {
		return r
	}
	for _, e := range d.Exclusions {
		if t := resolveCondition(d, e.Expr); !IsEmpty(t) {
			r.Exclusions = append(r.Exclusions, &Exclusion{Pos: e.FilterPos, Title: e.Title, Tree: t})
		}
	}
	r.Conditions = make([]Condition, 0, len(d.Conditions))
	for _, c := range d.Conditions {
		if cond := condition(d, c.Expr); !cond.empty() {
			r.Conditions = append(r.Conditions, cond)
		}
	}
	return r
}

// condition resolves condition x: the tests that the pipelines added and
// the rest.
func condition(d *ast.Detection, x ast.Expr) Condition {
	added, rest := splitAdded(x)
	c := Condition{Rest: resolveCondition(d, rest)}
	if len(added) > 0 {
		c.Added = make([]Node, len(added))
		for i, id := range added {
			c.Added[i] = resolveCondition(d, id)
		}
	}
	return c
}

// splitAdded separates the tests that add_condition steps put in front of a
// condition ("_pipeline_x and (rest)", nested once per step) from the
// rest, in the order the steps added them.
func splitAdded(x ast.Expr) (added []*ast.Ident, rest ast.Expr) {
	for {
		a, ok := x.(*ast.And)
		if !ok || len(a.X) != 2 {
			break
		}
		id, ok := a.X[0].(*ast.Ident)
		par, okPar := a.X[1].(*ast.Paren)
		if !ok || !okPar || !strings.HasPrefix(id.Name, "_pipeline_") {
			break
		}
		added = append(added, id)
		x = par.X
	}
	slices.Reverse(added)
	return added, x
}

// Excluded returns the tree of a condition together with the exclusions:
// "(condition) and not (filter 1) and not (filter 2) ...", for printers
// that write the exclusions into the condition.
func (r *Rule) Excluded(cond Node) Node {
	if len(r.Exclusions) == 0 {
		return cond
	}
	args := make([]Node, 0, 1+len(r.Exclusions))
	args = append(args, cond)
	for _, e := range r.Exclusions {
		args = append(args, &Not{Pos: e.Pos, Arg: e.Tree})
	}
	return &And{Args: args, Origin: FromExclusions}
}

// Pos is where errors about the rule as a whole point: its log source, or
// the document.
func (r *Rule) Pos() ast.Pos {
	if r.Result.Rule.Logsource.LogPos.IsValid() {
		return r.Result.Rule.Logsource.LogPos
	}
	return r.Result.Rule.DocPos
}

// A Template is the query template of the pipelines (their query key): the
// text of a query, in which {table} stands for the table and {condition}
// for the condition that the backend prints; KQL's also knows {prefilter}
// and {columns} (package kql). Other text, braces included, is kept as
// written.
type Template string

// templateNames are the placeholders of query templates.
var templateNames = []string{"table", "condition", "prefilter", "columns"}

// Has reports whether the template holds placeholder {name}.
func (t Template) Has(name string) bool { return strings.Contains(string(t), "{"+name+"}") }

// CheckTemplate returns the error of a query template that the backend
// cannot fill: one that names {table} when no pipeline of the run chose a
// table for the rule, or a placeholder that the backend does not fill
// (supported lists those it fills besides {table} and {condition}).
func (r *Rule) CheckTemplate(supported ...string) error {
	if r.Result.Table == "" && r.Template.Has("table") {
		return r.noTable()
	}
	for _, name := range templateNames[2:] {
		if r.Template.Has(name) && !slices.Contains(supported, name) {
			return ast.Errorf(r.Pos(), "the query template %q of the pipelines names {%s}, which this target does not fill: use {table} and {condition} only", string(r.Template), name)
		}
	}
	return nil
}

// noTable is the error of a rule for which no pipeline of the run chose a
// table although the query template needs one: the pipelines given cover
// other log sources.
func (r *Rule) noTable() error {
	ls := r.Result.Rule.Logsource
	var tests []string
	for _, kv := range [][2]string{{"product", ls.Product}, {"category", ls.Category}, {"service", ls.Service}} {
		if kv[1] != "" {
			tests = append(tests, kv[0]+": "+kv[1])
		}
	}
	return ast.Errorf(r.Pos(), "no pipeline of the run has a table for log source {%s}; see 'sigma2kql list pipelines' for one that covers it, or set one with -O query_table=TABLE", strings.Join(tests, ", "))
}

// Fill returns the query of the template: {table} replaced by table, the
// table's name as the target writes it, and {condition} by cond (see
// CheckTemplate for the templates a backend can fill).
func (t Template) Fill(table, cond string) string {
	q := string(t)
	var b strings.Builder
	b.Grow(len(q) + len(table) + len(cond))
	for {
		i := strings.IndexByte(q, '{')
		if i < 0 {
			b.WriteString(q)
			return b.String()
		}
		b.WriteString(q[:i])
		switch rest := q[i:]; {
		case strings.HasPrefix(rest, "{table}"):
			b.WriteString(table)
			q = rest[len("{table}"):]
		case strings.HasPrefix(rest, "{condition}"):
			b.WriteString(cond)
			q = rest[len("{condition}"):]
		default:
			b.WriteByte('{')
			q = rest[1:]
		}
	}
}
