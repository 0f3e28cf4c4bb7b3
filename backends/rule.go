package backends

import (
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
	Conditions []Node       // the conditions that the pipelines did not leave empty, in order
	Exclusions []*Exclusion // the filters' conditions that exclude something, in order
	Template   Template     // the pipelines' query template; "" for none
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
	r.Conditions = make([]Node, 0, len(d.Conditions))
	for _, c := range d.Conditions {
		if t := resolveCondition(d, c.Expr); !IsEmpty(t) {
			r.Conditions = append(r.Conditions, t)
		}
	}
	return r
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
// for the condition that the backend prints. Other text, braces included,
// is kept as written.
type Template string

// Fill returns the query of the template: {table} replaced by table, the
// table's name as the target writes it, and {condition} by cond. A
// template that names {table} is an error at pos when no pipeline chose a
// table (table is "").
func (t Template) Fill(pos ast.Pos, table, cond string) (string, error) {
	q := string(t)
	if table == "" && strings.Contains(q, "{table}") {
		return "", ast.Errorf(pos, "the query template %q of the pipelines names {table}, but no pipeline chose a table: set one with the pipeline's query_table, a set_table step or -O query_table=TABLE", q)
	}
	var b strings.Builder
	b.Grow(len(q) + len(table) + len(cond))
	for {
		i := strings.IndexByte(q, '{')
		if i < 0 {
			b.WriteString(q)
			return b.String(), nil
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
