package parser

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sigma2kql/sigma2kql/ast"
)

// dump prints a condition with explicit grouping, so that tests can see
// how the parser bound the operators.
func dump(x ast.Expr) string {
	switch x := x.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.Of:
		q := "1"
		if x.All {
			q = "all"
		}
		if x.Them {
			return q + " of them"
		}
		return q + " of " + x.Pattern
	case *ast.Not:
		return "not(" + dump(x.X) + ")"
	case *ast.And:
		parts := make([]string, len(x.X))
		for i, y := range x.X {
			parts[i] = dump(y)
		}
		return "and(" + strings.Join(parts, ", ") + ")"
	case *ast.Or:
		parts := make([]string, len(x.X))
		for i, y := range x.X {
			parts[i] = dump(y)
		}
		return "or(" + strings.Join(parts, ", ") + ")"
	case *ast.Paren:
		return "[" + dump(x.X) + "]"
	case *ast.BadExpr:
		return "bad"
	}
	return fmt.Sprintf("%T", x)
}

const conditionRule = `title: t
logsource:
    category: process_creation
detection:
    sel_a:
        A: a
    sel_b:
        B: b
    filter_1:
        C: c
    _hidden:
        D: d
    condition: %s
`

func parseCondition(t *testing.T, cond string) (*ast.Rule, error) {
	t.Helper()
	f, err := ParseFile("r.yml", []byte(fmt.Sprintf(conditionRule, cond)))
	if len(f.Docs) == 0 {
		return nil, err
	}
	return f.Docs[0].(*ast.Rule), err
}

func TestConditionPrecedence(t *testing.T) {
	tests := []struct{ cond, want string }{
		{"sel_a", "sel_a"},
		{"sel_a and sel_b", "and(sel_a, sel_b)"},
		{"sel_a or sel_b and filter_1", "or(sel_a, and(sel_b, filter_1))"},
		{"sel_a and sel_b or filter_1", "or(and(sel_a, sel_b), filter_1)"},
		{"not sel_a and sel_b", "and(not(sel_a), sel_b)"},
		{"not not sel_a", "not(not(sel_a))"},
		{"not (sel_a or sel_b)", "not([or(sel_a, sel_b)])"},
		{"sel_a and (sel_b or filter_1)", "and(sel_a, [or(sel_b, filter_1)])"},
		{"sel_a and sel_b and filter_1", "and(sel_a, sel_b, filter_1)"},
		{"1 of sel_* and not 1 of filter_*", "and(1 of sel_*, not(1 of filter_*))"},
		{"all of sel_* or filter_1", "or(all of sel_*, filter_1)"},
		{"any of sel_*", "1 of sel_*"},
		{"1 of them", "1 of them"},
		{"all of them and not _hidden", "and(all of them, not(_hidden))"},
		{"not 1 of sel*", "not(1 of sel*)"},
		{"((sel_a))", "[[sel_a]]"},
		{"  sel_a   or\tsel_b ", "or(sel_a, sel_b)"},
		{"*_a or sel_b", "or(*_a, sel_b)"},
	}
	for _, tt := range tests {
		// "*_a" is not an identifier: it must fail. Everything else parses.
		r, err := parseCondition(t, tt.cond)
		if strings.HasPrefix(tt.cond, "*") {
			if err == nil {
				t.Errorf("%q: want an error for a pattern used as an identifier", tt.cond)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.cond, err)
			continue
		}
		if got := dump(r.Detection.Conditions[0].Expr); got != tt.want {
			t.Errorf("%q: got %s, want %s", tt.cond, got, tt.want)
		}
	}
}

func TestConditionList(t *testing.T) {
	r, err := parseCondition(t, "\n        - sel_a\n        - sel_b and not filter_1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range r.Detection.Conditions {
		got = append(got, dump(c.Expr))
	}
	if diff := cmp.Diff([]string{"sel_a", "and(sel_b, not(filter_1))"}, got); diff != "" {
		t.Errorf("conditions (-want +got):\n%s", diff)
	}
}

// TestConditionErrors pins each condition error and its position: the
// condition starts at line 14, column 16 of conditionRule.
func TestConditionErrors(t *testing.T) {
	tests := []struct{ cond, want string }{
		{"sel_c", `r.yml:13:16: undefined search identifier "sel_c" in condition, did you mean 'sel_a'?`},
		{"selection", `r.yml:13:16: undefined search identifier "selection" in condition; defined: sel_a, sel_b, filter_1, _hidden`},
		{"sel_a and nothing_like_it", `r.yml:13:26: undefined search identifier "nothing_like_it" in condition; defined: sel_a, sel_b, filter_1, _hidden`},
		{"sel_a AND sel_b", `r.yml:13:22: invalid condition "sel_a AND sel_b": unexpected token "AND" (keywords are lower case: use 'and')`},
		{"sel_a and", `r.yml:13:25: invalid condition "sel_a and": unexpected token "end of condition" (expected an expression)`},
		{"2 of sel_*", `r.yml:13:16: invalid quantifier "2": expected '1 of', 'any of' or 'all of'`},
		{"1 of select*", `r.yml:13:16: pattern "select*" in '1 of select*' matches no search identifier; defined: sel_a, sel_b, filter_1, _hidden`},
		{"1 of filter*x", `r.yml:13:16: pattern "filter*x" in '1 of filter*x' matches no search identifier; defined: sel_a, sel_b, filter_1, _hidden`},
		{"sel_a | count() > 5", `r.yml:13:22: the pipe syntax in conditions (aggregations such as '| count() by' and '| near') is obsolete; write a Sigma correlation rule instead`},
		{"(sel_a or sel_b", `r.yml:13:31: invalid condition "(sel_a or sel_b": unexpected token "end of condition" (expected ')')`},
		{"sel_a)", `r.yml:13:21: invalid condition "sel_a)": unexpected token ')'`},
		{"''", `r.yml:13:17: empty condition: expected an expression such as 'selection' or '1 of selection_*'`},
		{strings.Repeat("(", MaxDepth+1) + "sel_a" + strings.Repeat(")", MaxDepth+1), fmt.Sprintf("r.yml:13:16: condition is nested %d levels deep (parentheses and 'not'); the limit is %d", MaxDepth+1, MaxDepth)},
	}
	for _, tt := range tests {
		_, err := parseCondition(t, tt.cond)
		if err == nil {
			t.Errorf("%q: no error", tt.cond)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("%q:\n got  %s\n want %s", tt.cond, got, tt.want)
		}
	}
}

func TestMatchPattern(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"sel*", "selection", true},
		{"sel*", "sel", true},
		{"sel*", "filter", false},
		{"*_img", "selection_img", true},
		{"sel*img", "selection_img", true},
		{"sel*img", "selection_cli", false},
		{"a*a", "a", false},
		{"a*a", "aa", true},
		{"*", "anything", true},
		{"exact", "exact", true},
		{"exact", "exactly", false},
		{"s*l*n", "selection", true},
		{"s*x*n", "selection", false},
		{"*ab*ab", "abab", true},
	}
	for _, tt := range tests {
		if got := ast.MatchPattern(tt.pattern, tt.name); got != tt.want {
			t.Errorf("MatchPattern(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}
