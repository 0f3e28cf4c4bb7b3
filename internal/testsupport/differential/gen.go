// Package differential checks the two evaluators of the project against
// each other on generated input: a seeded generator writes a random Sigma
// rule (as YAML text) and an event built near the rule's values; the rule
// is evaluated on the event by package match (Sigma's semantics), and
// converted to KQL by backends/kql under a pipeline that maps every field
// onto a column of one table, whose one row is the event itself; the query
// is run on that row by internal/testsupport/kqleval. The two verdicts
// must agree. A disagreement is a bug in the Sigma evaluator, the KQL
// printer or the KQL evaluator.
//
// The generator covers field names that need quoting, the match modifiers
// (contains, startswith, endswith, all, cased, neq, windash, re with its
// flags, base64, base64offset, utf16le, cidr, lt/lte/gt/gte, exists,
// fieldref), null, numbers and booleans, keywords, escaped wildcards,
// quotes, backslashes, control characters and non-ASCII text, lists and
// maps, and conditions with not/and/or, parentheses, "1 of", "all of" and
// "them". What it leaves out, and why, is said where it is left out.
package differential

import (
	"encoding/binary"
	"fmt"
	"math/rand"
	"strings"
)

// The table of the generated events: its string and long columns. A
// field name with a space is printed as ['Target Name'].
var (
	stringFields = []string{"CommandLine", "Image", "User", "Target Name", "Ip"}
	longFields   = []string{"Pid", "Port"}
)

// A Case is one generated rule and event.
type Case struct {
	Seed  int64
	Rule  string         // the rule, as YAML text
	Event map[string]any // string fields hold strings, long fields int64
}

// A gen generates one case. While it writes the rule, it keeps for each
// field the texts and numbers near the rule's values, from which the
// event is then made.
type gen struct {
	rng  *rand.Rand
	pool map[string][]string // field ("" for keywords) -> texts near the rule's values
	nums map[string][]int64  // field -> numbers near the rule's values
	refs [][2]string         // fieldref items: field, referenced field
	b    strings.Builder
}

// Generate returns the case of a seed; the same seed gives the same case.
func Generate(seed int64) *Case { return generate(seed, rand.NewSource(seed)) }

// GenerateFrom returns the case that data drives: each choice of the
// generator reads 8 bytes of data, and once they are used up, draws from
// seed. A fuzzer steers the generator so.
func GenerateFrom(seed int64, data []byte) *Case {
	return generate(seed, &bytesSource{data: data, rest: rand.NewSource(seed)})
}

func generate(seed int64, src rand.Source) *Case {
	g := &gen{rng: rand.New(src), pool: map[string][]string{}, nums: map[string][]int64{}}
	rule := g.rule()
	return &Case{Seed: seed, Rule: rule, Event: g.event()}
}

// A bytesSource is a rand.Source that reads its numbers from bytes first.
type bytesSource struct {
	data []byte
	rest rand.Source
}

func (s *bytesSource) Int63() int64 {
	if len(s.data) < 8 {
		return s.rest.Int63()
	}
	v := binary.LittleEndian.Uint64(s.data)
	s.data = s.data[8:]
	return int64(v >> 1)
}

func (s *bytesSource) Seed(seed int64) { s.rest.Seed(seed) }

func (g *gen) pick(n int) int { return g.rng.Intn(n) }

// chance is true with probability n/d.
func (g *gen) chance(n, d int) bool { return g.rng.Intn(d) < n }

func oneOf[T any](g *gen, xs []T) T { return xs[g.rng.Intn(len(xs))] }

// rule writes a rule of one to four searches and its condition.
func (g *gen) rule() string {
	g.b.WriteString("title: generated differential rule\nlogsource:\n  product: test\ndetection:\n")
	var names []string
	for n := 1 + g.pick(4); len(names) < n; {
		name := fmt.Sprintf("%s_%c", oneOf(g, []string{"sel", "sel", "filter"}), 'a'+rune(len(names)))
		names = append(names, name)
		fmt.Fprintf(&g.b, "  %s:\n", name)
		g.search()
	}
	if g.chance(1, 10) {
		// Several conditions: the rule matches when one holds; the
		// backend writes one query for each.
		fmt.Fprintf(&g.b, "  condition:\n    - %s\n    - %s\n", g.condition(names, 2), g.condition(names, 2))
	} else {
		fmt.Fprintf(&g.b, "  condition: %s\n", g.condition(names, 3))
	}
	return g.b.String()
}

// search writes the body of a search: a map of items (AND), a list of
// maps (OR of ANDs), or a list of keywords.
func (g *gen) search() {
	switch x := g.pick(10); {
	case x < 1:
		g.keywords()
	case x < 3:
		for n := 2 + g.pick(2); n > 0; n-- {
			g.items("    - ", "      ")
		}
	default:
		g.items("    ", "    ")
	}
}

// items writes a map of one to three items; the first line starts with
// first, the others with rest.
func (g *gen) items(first, rest string) {
	lead := first
	seen := map[string]bool{}
	for n := 1 + g.pick(3); n > 0; n-- {
		key, vals := g.item()
		if seen[key] {
			continue // YAML maps have unique keys
		}
		seen[key] = true
		g.b.WriteString(lead + key + ":")
		lead = rest
		if len(vals) == 1 && !g.chance(1, 8) {
			g.b.WriteString(" " + vals[0] + "\n")
			continue
		}
		g.b.WriteString("\n")
		for _, v := range vals {
			g.b.WriteString(rest + "  - " + v + "\n")
		}
	}
}

// condition returns a random condition over the search names, at most
// depth operators deep.
func (g *gen) condition(names []string, depth int) string {
	if depth == 0 || g.chance(2, 5) {
		return g.leaf(names)
	}
	switch g.pick(4) {
	case 0:
		return "not " + g.operand(names, depth-1)
	case 1:
		return g.operand(names, depth-1) + " and " + g.operand(names, depth-1)
	case 2:
		return g.operand(names, depth-1) + " or " + g.operand(names, depth-1)
	}
	return "(" + g.condition(names, depth-1) + ")"
}

// operand is a condition that binds tighter than and/or where needed.
func (g *gen) operand(names []string, depth int) string {
	c := g.condition(names, depth)
	if strings.Contains(c, " or ") || strings.Contains(c, " and ") {
		return "(" + c + ")"
	}
	return c
}

// leaf returns a search name, or an "of" expression over the names.
func (g *gen) leaf(names []string) string {
	switch g.pick(8) {
	case 0:
		return oneOf(g, []string{"1 of them", "all of them"})
	case 1, 2:
		prefix := strings.SplitAfter(oneOf(g, names), "_")[0]
		return oneOf(g, []string{"1 of ", "all of "}) + prefix + "*"
	}
	return oneOf(g, names)
}
