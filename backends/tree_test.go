package backends

import (
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// resolveRule parses a rule with the given searches (YAML, indented as
// under detection) and condition, and resolves it.
func resolveRule(t *testing.T, searches, cond string) *Rule {
	t.Helper()
	src := "title: T\nlogsource: {category: test}\ndetection:\n" + searches + "    condition: " + cond + "\n"
	f, err := parser.ParseFile("r.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return NewRule(&pipeline.Result{Rule: f.Docs[0].(*ast.Rule)})
}

// inOr lists, for each match of n in order, its field and whether it is
// reached through an or.
func inOr(n Node, out map[string]bool) {
	switch n := n.(type) {
	case *And:
		for _, a := range n.Args {
			inOr(a, out)
		}
	case *Or:
		for _, a := range n.Args {
			inOr(a, out)
		}
	case *Not:
		inOr(n.Arg, out)
	case *Match:
		out[n.Field] = n.InOr
	}
}

// TestInOr: a match is InOr under an "or" and a "1 of", even one that
// matched a single search and left no Or node; not under "and" and "all
// of" alone.
func TestInOr(t *testing.T) {
	const searches = "    sel: {A: 1}\n    filter_x: {B: 2}\n    other: {C: 3}\n    more: {D: 4}\n"
	for cond, want := range map[string]map[string]bool{
		"sel and not 1 of filter_*":    {"A": false, "B": true},
		"sel and not all of filter_*":  {"A": false, "B": false},
		"sel and (other or more)":      {"A": false, "C": true, "D": true},
		"sel or (other and all of f*)": {"A": true, "C": true, "B": true},
	} {
		r := resolveRule(t, searches, cond)
		got := map[string]bool{}
		inOr(r.Conditions[0].Tree(), got)
		for f, w := range want {
			if g, ok := got[f]; !ok || g != w {
				t.Errorf("%s: %s InOr = %v (found %v), want %v", cond, f, g, ok, w)
			}
		}
	}
}

// TestOrigins: each group says what it was written as.
func TestOrigins(t *testing.T) {
	r := resolveRule(t, "    sel:\n        - {A: [1, 2]}\n        - {B: 3, C: 4}\n    other: {D: 5}\n    more: {E: 6}\n", "sel and 1 of o* and (other or more)")
	top, ok := r.Conditions[0].Tree().(*And)
	if !ok || top.Origin != FromCondition || len(top.Args) != 3 {
		t.Fatalf("top = %#v, want an And of the condition with 3 arguments", r.Conditions[0].Tree())
	}
	list, ok := top.Args[0].(*Or)
	if !ok || list.Origin != FromSearch {
		t.Fatalf("sel = %#v, want an Or of the search's list", top.Args[0])
	}
	if vals, ok := list.Args[0].(*Or); !ok || vals.Origin != FromValues {
		t.Errorf("A = %#v, want an Or of the field's values", list.Args[0])
	}
	if m, ok := list.Args[1].(*And); !ok || m.Origin != FromSearch {
		t.Errorf("{B, C} = %#v, want an And of the search's map", list.Args[1])
	}
	if of, ok := top.Args[1].(*Match); !ok || of.Field != "D" {
		t.Errorf("1 of o* = %#v, want the one match of other", top.Args[1])
	}
	if or, ok := top.Args[2].(*Or); !ok || or.Origin != FromCondition {
		t.Errorf("(other or more) = %#v, want an Or of the condition", top.Args[2])
	}
}
