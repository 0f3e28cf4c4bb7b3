package pipediff

import (
	"fmt"
	"strings"

	"github.com/sigma2kql/sigma2kql/internal/testsupport/regression"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/rowmodel"
)

// A Verdict is how a case ended.
type Verdict uint8

const (
	Agree     Verdict = iota // the query fires exactly when the rule matches
	Disagree                 // the query fires and the rule does not, or the reverse
	Rejected                 // the pipeline does not convert the rule (a field or value the target lacks)
	NoRow                    // the row model records no row for the event
	Undecided                // the match package or the KQL evaluator cannot decide
	Warned                   // they disagree the way a warning of the conversion says (narrower or broader)
)

func (v Verdict) String() string {
	return [...]string{"agree", "disagree", "rejected", "no row", "undecided", "warned"}[v]
}

// An Outcome is the result of one case.
type Outcome struct {
	Verdict Verdict
	Fired   bool // the query outputs a row of the event
	Sigma   bool // the rule matches the event
	Queries []string
	Err     error // why it was rejected or undecided
}

// Check converts a case's rule with the harness's pipeline, runs it on
// the rows of the case's event, and compares with the rule's verdict on
// the event.
func Check(h *regression.Harness, c *Case) Outcome {
	t := &regression.Test{Name: c.Source.Test, Rule: "pipediff.yml", Src: []byte(c.Rule), Events: []rowmodel.WindowsEvent{c.Source.Event}}
	r := h.Run(t)
	o := Outcome{Queries: r.Queries}
	switch {
	case !r.Converted():
		o.Verdict, o.Err = Rejected, r.ConvertErr
		return o
	case r.EvalErr != nil:
		o.Verdict, o.Err = Undecided, r.EvalErr
		return o
	}
	e := r.Events[0]
	o.Fired, o.Sigma = e.Fired, e.Sigma
	switch {
	case e.SigmaErr != nil:
		o.Verdict, o.Err = Undecided, e.SigmaErr
	case e.Rows == 0:
		o.Verdict = NoRow
	case e.Fired == e.Sigma:
		o.Verdict = Agree
	case warned(r.Warnings, e.Fired):
		o.Verdict, o.Err = Warned, fmt.Errorf("%s", strings.Join(r.Warnings, "\n"))
	default:
		o.Verdict = Disagree
	}
	return o
}

// warned reports whether a warning of the conversion says the query may
// disagree the way it does: narrower (it missed the event) or broader (it
// fired on it).
func warned(warnings []string, fired bool) bool {
	want := "the query is narrower than the rule"
	if fired {
		want = "the query may fire on events the rule excludes"
	}
	for _, w := range warnings {
		if strings.Contains(w, want) {
			return true
		}
	}
	return false
}

// Report describes a disagreement: the case, the rule, the query, the
// event's value and the row.
func Report(m rowmodel.Model, c *Case, o Outcome) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n  query fires %v, rule matches %v; event %s %d, %s = %q\n", c, o.Fired, o.Sigma,
		c.Source.Event.Channel, c.Source.Event.EventID, c.Field, c.Source.Event.Field(c.Field))
	fmt.Fprintf(&b, "  rule:\n    %s\n", strings.ReplaceAll(strings.TrimSpace(c.Rule), "\n", "\n    "))
	fmt.Fprintf(&b, "  query:\n    %s\n", strings.ReplaceAll(strings.Join(o.Queries, "\n\n"), "\n", "\n    "))
	rows, _ := m.Rows(c.Source.Event)
	for _, r := range rows {
		fmt.Fprintf(&b, "  row %s: %v\n", r.Table, r.Values)
	}
	return b.String()
}
