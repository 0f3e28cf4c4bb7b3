package roundtrip

import (
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sigma2kql/sigma2kql/ast"
)

// Settings returns the seed and the number of values of a backend's
// round-trip test: $ROUNDTRIP_SEED (to repeat a run; a new seed
// otherwise, which it logs) and $ROUNDTRIP_VALUES (default 2500; 300 with
// -short).
func Settings(t *testing.T) (seed int64, target int) {
	seed = time.Now().UnixNano()
	if s := os.Getenv("ROUNDTRIP_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	target = 2500
	if s := os.Getenv("ROUNDTRIP_VALUES"); s != "" {
		target, _ = strconv.Atoi(s)
	}
	if testing.Short() {
		target = 300
	}
	t.Logf("ROUNDTRIP_SEED=%d", seed)
	return seed, target
}

// Run generates rules from seed, each of 4 to 11 selections on CommandLine
// with ParentCommandLine as the marker, and checks them until target values
// are checked or five rules fail. check returns how many values of the rule
// it checked (0 without error: the rule was left out) and the rule's text
// as converted, which an error shows with the seed and the rule's number.
// Run returns the number of rules checked.
func Run(t *testing.T, seed int64, target int, check func(r *Rule, rng *rand.Rand) (values int, src string, err error)) (rules int) {
	gen := New(seed)
	rng := rand.New(rand.NewSource(seed))
	values, failures := 0, 0
	for values < target && failures < 5 {
		r := gen.Rule("CommandLine", "ParentCommandLine", 4+rng.Intn(8))
		n, src, err := check(r, rng)
		if n == 0 && err == nil {
			continue
		}
		rules++
		values += n
		if err != nil {
			failures++
			t.Errorf("seed %d, rule %d: %v\nrule:\n%s", seed, rules, err, src)
		}
	}
	return rules
}

// Collapse returns parts in a normal form for comparing two readings of a
// value: runs of "*" (which mean the same as one) merged, adjacent
// literals joined and empty ones left out.
func Collapse(parts []ast.Part) []ast.Part {
	var out []ast.Part
	for _, p := range parts {
		n := len(out)
		switch {
		case p.Kind == ast.Literal && p.Text == "":
		case n > 0 && p.Kind == ast.WildcardMulti && out[n-1].Kind == ast.WildcardMulti:
		case n > 0 && p.Kind == ast.Literal && out[n-1].Kind == ast.Literal:
			out[n-1].Text += p.Text
		default:
			out = append(out, p)
		}
	}
	return out
}

// PartsString writes parts for a message: literals quoted, wildcards as
// " * " and " ? ".
func PartsString(parts []ast.Part) string {
	var b strings.Builder
	for _, p := range parts {
		switch p.Kind {
		case ast.Literal:
			b.WriteString(strconv.Quote(p.Text))
		case ast.WildcardMulti:
			b.WriteString(" * ")
		case ast.WildcardSingle:
			b.WriteString(" ? ")
		}
	}
	return b.String()
}
