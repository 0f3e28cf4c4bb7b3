package backends

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/parser"
)

// extendedCorrelation parses a temporal correlation over the rules
// proc_a, proc_b and logon (the names of the inputs: A, B, L) with the
// given condition.
func extendedCorrelation(t *testing.T, cond string) *Correlation {
	t.Helper()
	src := "title: C\ncorrelation:\n    type: temporal\n    rules: [proc_a, proc_b, logon]\n    timespan: 5m\n    condition: " + cond + "\n"
	f, err := parser.ParseFile("c.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c := &Correlation{Doc: f.Docs[0].(*ast.Correlation)}
	for _, r := range [][2]string{{"proc_a", "A"}, {"proc_b", "B"}, {"logon", "L"}} {
		c.Inputs = append(c.Inputs, &CorrelationInput{Ref: r[0], Name: r[1]})
	}
	return c
}

// show writes a condition tree over the inputs' names.
func show(n Node) string {
	switch n := n.(type) {
	case *Matched:
		return n.Input.Name
	case *Not:
		return "not " + show(n.Arg)
	case *And:
		return showGroup("and", n.Args)
	case *Or:
		return showGroup("or", n.Args)
	}
	return fmt.Sprintf("%T", n)
}

func showGroup(op string, args []Node) string {
	var s []string
	for _, a := range args {
		s = append(s, show(a))
	}
	return "(" + op + " " + strings.Join(s, " ") + ")"
}

// TestCorrelationCondition: names by reference or by name, "1 of" and "all
// of" over the references, and errors for names and patterns that match no
// rule.
func TestCorrelationCondition(t *testing.T) {
	for cond, want := range map[string]string{
		"proc_a and not L":          "(and A not L)",
		"1 of proc_* and not logon": "(and (or A B) not L)",
		"all of proc_*":             "(and A B)",
		"1 of log*":                 "L",
		"all of them":               "(and A B L)",
		"proc_a or (proc_b and L)":  "(or A (and B L))",
	} {
		x, err := extendedCorrelation(t, cond).Condition()
		if err != nil || show(x) != want {
			t.Errorf("%s: got %s, %v, want %s", cond, show(x), err, want)
		}
	}
	for cond, want := range map[string]string{
		"proc_a and other": `c.yml:6:27: "other" is not a rule of the correlation`,
		"1 of net*":        `c.yml:6:16: "net*" matches no rule of the correlation`,
	} {
		if _, err := extendedCorrelation(t, cond).Condition(); err == nil || err.Error() != want {
			t.Errorf("%s: error %v, want %s", cond, err, want)
		}
	}
}
