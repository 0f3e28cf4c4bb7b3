package differential

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/roundtrip"
)

// keywords writes a list of keywords (values without a field): each is
// looked for in every value of the event. Their texts go to the "" pool,
// from which events put them in any string field.
func (g *gen) keywords() {
	for n := 1 + g.pick(3); n > 0; n-- {
		lit := g.literal("")
		g.add("", lit)
		if g.chance(1, 6) {
			n := strconv.Itoa(oneOf(g, []int{443, 4688, 7}))
			g.add("", n)
			g.b.WriteString("    - " + n + "\n")
			continue
		}
		if g.chance(1, 4) {
			g.b.WriteString("    - " + g.innerWildcard(lit) + "\n")
			continue
		}
		g.b.WriteString("    - " + g.stringValueOf(lit) + "\n")
	}
}

// innerWildcard writes a literal as a Sigma string with a "*" or "?" in
// place of one of its characters, or between two of them.
func (g *gen) innerWildcard(lit string) string {
	r := []rune(lit)
	i := g.pick(len(r) + 1)
	wild := ast.Part{Kind: oneOf(g, []ast.PartKind{ast.WildcardMulti, ast.WildcardSingle})}
	j := i
	if i < len(r) && g.chance(1, 2) {
		j++ // the wildcard stands for that character
	}
	parts := []ast.Part{{Kind: ast.Literal, Text: string(r[:i])}, wild, {Kind: ast.Literal, Text: string(r[j:])}}
	if parts[0].Text == "" && parts[2].Text == "" {
		parts = append(parts, ast.Part{Kind: ast.Literal, Text: lit}) // not the empty text
	}
	return g.scalar(roundtrip.Escape(g.rng, parts))
}

// event makes an event near the rule's values. Each field is absent, or
// holds a text (a number) of its pool, of another pool or new, mutated.
// A string field never holds the empty text: Kusto's row cannot tell it
// from an absent field, which Sigma's exists modifier does.
func (g *gen) event() map[string]any {
	ev := map[string]any{}
	for _, f := range stringFields {
		if g.chance(1, 6) {
			continue
		}
		if s := g.text(f); s != "" {
			ev[f] = s
		}
	}
	for _, f := range longFields {
		if g.chance(1, 5) {
			continue
		}
		ev[f] = g.number(f)
	}
	for _, r := range g.refs {
		g.reference(ev, r[0], r[1])
	}
	return ev
}

// reference makes a fieldref item likely to hold: the field gets the
// referenced field's value, mutated. The referenced field is always
// present: Kusto reads an absent string as "", which every string
// contains and starts with, while Sigma's reference to an absent field
// matches nothing.
func (g *gen) reference(ev map[string]any, field, other string) {
	if _, ok := ev[other]; !ok {
		if isLong(other) {
			ev[other] = g.number(other)
		} else {
			ev[other] = "ref"
		}
	}
	if !g.chance(2, 3) || isLong(field) {
		return
	}
	v := ev[other]
	s, ok := v.(string)
	if !ok {
		s = strconv.FormatInt(v.(int64), 10)
	}
	if s = g.mutate(s); s != "" {
		ev[field] = s
	}
}

func isLong(field string) bool {
	for _, f := range longFields {
		if f == field {
			return true
		}
	}
	return false
}

// text returns a text for a string field.
func (g *gen) text(field string) string {
	var s string
	switch x := g.pick(20); {
	case x < 13 && len(g.pool[field]) > 0:
		s = oneOf(g, g.pool[field])
	case x < 17 && len(g.pool[""]) > 0:
		s = oneOf(g, g.pool[""])
	default:
		if keys := slices.Sorted(maps.Keys(g.pool)); len(keys) > 0 {
			s = oneOf(g, g.pool[oneOf(g, keys)])
		}
		if s == "" || g.chance(1, 2) {
			s = g.word()
		}
	}
	for n := g.pick(3); n > 0; n-- {
		s = g.mutate(s)
	}
	return s
}

// number returns a value for a long field, near the rule's numbers.
func (g *gen) number(field string) int64 {
	if len(g.nums[field]) == 0 || g.chance(1, 5) {
		return oneOf(g, []int64{0, 1, 7, 443, 4688, 65536})
	}
	return oneOf(g, g.nums[field]) + oneOf(g, []int64{0, 0, 0, 1, -1})
}

// mutate changes a text a little: its case, an end, a character.
func (g *gen) mutate(s string) string {
	r := []rune(s)
	switch g.pick(10) {
	case 0:
		return strings.ToUpper(s)
	case 1:
		return strings.ToLower(s)
	case 2:
		if len(r) > 0 {
			i := g.pick(len(r))
			r[i] = flipCase(r[i])
		}
	case 3:
		return g.word() + s
	case 4:
		return s + g.word()
	case 5:
		if len(r) > 0 {
			r = r[1:]
		}
	case 6:
		if len(r) > 0 {
			r = r[:len(r)-1]
		}
	case 7:
		if len(r) > 2 {
			i := g.pick(len(r) / 2)
			r = r[i : i+1+g.pick(len(r)-i-1)]
		}
	case 8:
		if len(r) > 0 {
			i := g.pick(len(r))
			r = append(r[:i:i], append([]rune(g.word()), r[i+1:]...)...)
		}
	}
	return string(r)
}

func flipCase(r rune) rune {
	if unicode.IsUpper(r) {
		return unicode.ToLower(r)
	}
	return unicode.ToUpper(r)
}
