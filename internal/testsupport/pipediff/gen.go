package pipediff

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/roundtrip"
)

// A Kind is the shape of a generated item: the modifier and how its
// values relate to the event's value.
type Kind string

// The kinds of items. "Miss" values are near misses: the event's text
// with one character changed, added or removed (which may still match,
// when the change falls where the modifier does not look).
const (
	Equal          Kind = "equal"           // F: V
	EqualCase      Kind = "equal-case"      // F: V in another case
	EqualMiss      Kind = "equal-miss"      // F: V changed
	Contains       Kind = "contains"        // F|contains: a substring of V
	ContainsCase   Kind = "contains-case"   // the substring in another case
	ContainsMiss   Kind = "contains-miss"   // the substring changed
	StartsWith     Kind = "startswith"      // F|startswith: a prefix of V
	StartsWithMiss Kind = "startswith-miss" // the prefix changed
	EndsWith       Kind = "endswith"        // F|endswith: a suffix of V
	EndsWithMiss   Kind = "endswith-miss"   // the suffix changed
	List           Kind = "list"            // F: [near misses and V]
	ContainsList   Kind = "contains-list"   // F|contains: [near misses and a substring]
	EndsWithList   Kind = "endswith-list"   // F|endswith: [near misses and a suffix]
	All            Kind = "all"             // F|contains|all: [substrings]
	AllMiss        Kind = "all-miss"        // F|contains|all: [a substring, a near miss]
	Wildcard       Kind = "wildcard"        // F: prefix*suffix or V with one character as ?
	Cased          Kind = "cased"           // F|cased: V, or in another case
	Regex          Kind = "re"              // F|re: a substring, quoted, maybe (?i) and another case
	Exists         Kind = "exists"          // F|exists: true or false
	Null           Kind = "null"            // F: null
	Empty          Kind = "empty"           // F: ''
	Number         Kind = "number"          // F: N for a number
	NumberMiss     Kind = "number-miss"     // F: N+1
	NumberCompare  Kind = "number-compare"  // F|gte, gt, lte or lt: N
	Windash        Kind = "windash"         // F|windash|contains: a flag written with - or /
)

var (
	stringKinds = []Kind{Equal, EqualCase, EqualMiss, Contains, ContainsCase, ContainsMiss, StartsWith, StartsWithMiss,
		EndsWith, EndsWithMiss, List, ContainsList, EndsWithList, All, AllMiss, Wildcard, Cased, Regex, Exists, Null, Empty}
	numberKinds = []Kind{Number, NumberMiss, NumberCompare, Exists, Null}
)

// A Case is one generated rule for one event.
type Case struct {
	Source  *Source
	Field   string // the field the item tests
	Kind    Kind
	Negated bool     // the item is a filter that the condition excludes
	With    *Case    // another item, on another field, or nil
	Or      bool     // With is an alternative (1 of), else ANDed
	Item    string   // the item as written (key: values)
	Texts   []string // the literal texts of its values
	Rule    string   // the rule, YAML text
}

// String describes a case in one line.
func (c *Case) String() string {
	neg := ""
	if c.Negated {
		neg = "not "
	}
	with := ""
	if c.With != nil {
		op := "and"
		if c.Or {
			op = "or"
		}
		with = fmt.Sprintf(" %s %s (%s)", op, c.With.Item, c.With.Kind)
	}
	return fmt.Sprintf("%s: %s%s (%s)%s", c.Source.Test, neg, c.Item, c.Kind, with)
}

// Generate writes perField cases for each field of each source, from
// seed: the same seed and sources give the same cases.
func Generate(seed int64, sources []*Source, perField int) []*Case {
	rng := rand.New(rand.NewSource(seed))
	var out []*Case
	for _, s := range sources {
		for _, f := range s.Fields() {
			for range perField {
				if c := generate(rng, s, f); c != nil {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// GenerateOne writes one case for a field of a source, from rng (a fuzz
// target steers it).
func GenerateOne(rng *rand.Rand, s *Source, field string) *Case { return generate(rng, s, field) }

func generate(rng *rand.Rand, s *Source, field string) *Case {
	c := item(rng, s, field)
	if c == nil {
		return nil
	}
	c.Negated = rng.Intn(4) == 0
	if others := slices.DeleteFunc(s.Fields(), func(f string) bool { return f == field }); len(others) > 0 && rng.Intn(4) == 0 {
		// Another item on another field: ANDed, or an alternative.
		c.With = item(rng, s, others[rng.Intn(len(others))])
		c.Or = c.With != nil && !c.Negated && rng.Intn(2) == 0
	}
	c.Rule = ruleText(s, c)
	return c
}

// item writes one item of a random kind for a field of a source.
func item(rng *rand.Rand, s *Source, field string) *Case {
	g := &gen{rng: rng}
	c := &Case{Source: s, Field: field}
	switch v := s.Data[field].(type) {
	case string:
		c.Kind = oneOf(g, stringKinds)
		if c.Kind == Contains && windashFlag.MatchString(v) && rng.Intn(2) == 0 {
			c.Kind = Windash
		}
		c.Item = g.stringItem(field, c.Kind, v)
	case json.Number:
		c.Kind = oneOf(g, numberKinds)
		c.Item = g.numberItem(field, c.Kind, v)
	default:
		return nil // structures: no Sigma field holds them
	}
	if c.Item == "" {
		return nil
	}
	c.Texts = g.texts
	return c
}

// ruleText writes the rule of a case: the event's log source, its event
// ID when the log source is a service (as such rules test it), the item,
// and the other item: in the same search, as an alternative (1 of), or,
// when the item is negated, in the search the filter is taken from.
func ruleText(s *Source, c *Case) string {
	var b strings.Builder
	b.WriteString("title: pipediff\nlogsource:\n")
	for _, k := range []string{"product", "category", "service"} {
		if v := s.Logsource[k]; v != "" {
			fmt.Fprintf(&b, "  %s: %s\n", k, v)
		}
	}
	b.WriteString("detection:\n")
	sel := ""
	if s.Logsource["category"] == "" {
		sel = fmt.Sprintf("    EventID: %d\n", s.Event.EventID)
	}
	item, with := indent(c.Item), ""
	if c.With != nil {
		with = indent(c.With.Item)
	}
	cond := "selection"
	switch {
	case c.Or:
		fmt.Fprintf(&b, "  alt_main:\n%s  alt_with:\n%s", item, with)
		cond = "1 of alt_*"
		if sel != "" {
			fmt.Fprintf(&b, "  selection:\n%s", sel)
			cond = "selection and 1 of alt_*"
		}
	case !c.Negated:
		fmt.Fprintf(&b, "  selection:\n%s%s%s", sel, item, with)
	default:
		fmt.Fprintf(&b, "  filter:\n%s", item)
		cond = "not filter"
		if sel+with != "" {
			fmt.Fprintf(&b, "  selection:\n%s%s", sel, with)
			cond = "selection and not filter"
		}
	}
	fmt.Fprintf(&b, "  condition: %s\n", cond)
	return b.String()
}

func indent(item string) string { return "    " + strings.ReplaceAll(item, "\n", "\n    ") + "\n" }

type gen struct {
	rng   *rand.Rand
	texts []string // the literal texts written so far
}

func oneOf[T any](g *gen, xs []T) T { return xs[g.rng.Intn(len(xs))] }

// windashFlag finds a command-line flag: a space, then - or /, then a
// letter.
var windashFlag = regexp.MustCompile(` [-/][A-Za-z]`)

// stringItem writes an item of a kind for the text v of field.
func (g *gen) stringItem(field string, kind Kind, v string) string {
	switch kind {
	case Equal:
		return field + ": " + lit(g, v)
	case EqualCase:
		return field + ": " + lit(g, g.recase(v))
	case EqualMiss:
		return field + ": " + lit(g, g.miss(v))
	case Contains, ContainsCase, ContainsMiss:
		return field + "|contains: " + lit(g, g.vary(kind, g.sub(v)))
	case StartsWith, StartsWithMiss:
		return field + "|startswith: " + lit(g, g.vary(kind, g.prefix(v)))
	case EndsWith, EndsWithMiss:
		return field + "|endswith: " + lit(g, g.vary(kind, g.suffix(v)))
	case List:
		return field + ": " + g.list(v, g.miss(v), g.recase(g.miss(v)))
	case ContainsList:
		sub := g.sub(v)
		return field + "|contains: " + g.list(g.recase(sub), g.miss(sub), g.miss(g.sub(v)))
	case EndsWithList:
		suf := g.suffix(v)
		return field + "|endswith: " + g.list(suf, g.miss(suf))
	case All, AllMiss:
		second := g.sub(v)
		if kind == AllMiss {
			second = g.miss(second)
		}
		return field + "|contains|all: " + g.list(g.sub(v), second)
	}
	return g.otherItem(field, kind, v)
}

// otherItem writes the items of kinds other than the plain comparisons.
func (g *gen) otherItem(field string, kind Kind, v string) string {
	switch kind {
	case Wildcard:
		return field + ": " + g.wildcard(v)
	case Cased:
		if g.rng.Intn(2) == 0 {
			v = g.recase(v)
		}
		return field + "|cased: " + lit(g, v)
	case Regex:
		return g.regexItem(field, v)
	case Exists:
		return fmt.Sprintf("%s|exists: %v", field, g.rng.Intn(2) == 0)
	case Null:
		return field + ": null"
	case Empty:
		return field + ": ''"
	case Windash:
		loc := windashFlag.FindAllStringIndex(v, -1)
		at := oneOf(g, loc)
		flag := []rune(v[at[0]:])
		flag = flag[:min(len(flag), 2+g.rng.Intn(6))]
		flag[1] = oneOf(g, []rune{'-', '/'})
		return field + "|windash|contains: " + lit(g, string(flag))
	}
	return ""
}

// regexItem writes a regular expression for a substring of v: quoted,
// case-sensitive or with the i flag (or (?i)), maybe in another case.
func (g *gen) regexItem(field, v string) string {
	sub := g.sub(v)
	if g.rng.Intn(2) == 0 {
		sub = g.recase(sub)
	}
	g.texts = append(g.texts, sub)
	re := regexp.QuoteMeta(sub)
	switch g.rng.Intn(3) {
	case 0:
		return field + "|re: " + roundtrip.Quote(re)
	case 1:
		return field + "|re|i: " + roundtrip.Quote(re)
	}
	return field + "|re: " + roundtrip.Quote("(?i)"+re)
}

// numberItem writes an item of a kind for the number v of field.
func (g *gen) numberItem(field string, kind Kind, v json.Number) string {
	n, err := strconv.ParseInt(v.String(), 10, 64)
	if err != nil {
		return ""
	}
	switch kind {
	case Number:
		return fmt.Sprintf("%s: %d", field, n)
	case NumberMiss:
		return fmt.Sprintf("%s: %d", field, n+int64(oneOf(g, []int{-1, 1, 10})))
	case NumberCompare:
		return fmt.Sprintf("%s|%s: %d", field, oneOf(g, []string{"gt", "gte", "lt", "lte"}), n+int64(g.rng.Intn(3)-1))
	}
	return g.otherItem(field, kind, v.String())
}

// lit writes a text as a Sigma value that means exactly it (no wildcard),
// as a YAML scalar.
func lit(g *gen, s string) string {
	g.texts = append(g.texts, s)
	return roundtrip.Quote(roundtrip.Escape(g.rng, []ast.Part{{Kind: ast.Literal, Text: s}}))
}

// list writes values as a YAML flow list, in random order.
func (g *gen) list(vals ...string) string {
	g.rng.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = lit(g, v)
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// wildcard writes v with a * in place of a part of it (or at an end), or
// with a ? in place of one character; sometimes in another case.
func (g *gen) wildcard(v string) string {
	if g.rng.Intn(3) == 0 {
		v = g.recase(v)
	}
	r := []rune(v)
	i := g.rng.Intn(len(r) + 1)
	j := i + g.rng.Intn(len(r)-i+1)
	kind := ast.WildcardMulti
	if g.rng.Intn(2) == 0 && i < len(r) {
		kind, j = ast.WildcardSingle, i+1
	}
	parts := []ast.Part{{Kind: ast.Literal, Text: string(r[:i])}, {Kind: kind}, {Kind: ast.Literal, Text: string(r[j:])}}
	g.texts = append(g.texts, string(r[:i]), string(r[j:]))
	return roundtrip.Quote(roundtrip.Escape(g.rng, parts))
}

// sub returns a substring of v, of 1 to 16 characters (all of v when it
// is shorter).
func (g *gen) sub(v string) string {
	r := []rune(v)
	if len(r) <= 1 {
		return v
	}
	n := 1 + g.rng.Intn(min(len(r), 16))
	if n < 3 && len(r) >= 3 && g.rng.Intn(2) == 0 {
		n = 3 // short ones match anywhere: keep them rarer
	}
	i := g.rng.Intn(len(r) - n + 1)
	return string(r[i : i+n])
}

// prefix returns a non-empty prefix of v (v when it is empty).
func (g *gen) prefix(v string) string {
	r := []rune(v)
	return string(r[:min(len(r), 1+g.rng.Intn(max(len(r), 1)))])
}

// suffix returns a non-empty suffix of v (v when it is empty).
func (g *gen) suffix(v string) string {
	r := []rune(v)
	return string(r[g.rng.Intn(max(len(r), 1)):])
}

// vary changes a text as the kind says: another case for the Case kinds,
// a near miss for the Miss kinds.
func (g *gen) vary(kind Kind, s string) string {
	switch {
	case strings.HasSuffix(string(kind), "-case"):
		return g.recase(s)
	case strings.HasSuffix(string(kind), "-miss"):
		return g.miss(s)
	}
	return s
}

// recase changes the case of ASCII letters: all upper, all lower, or some
// flipped. (Sigma does not say how case-insensitivity extends beyond
// ASCII.)
func (g *gen) recase(s string) string {
	switch g.rng.Intn(3) {
	case 0:
		return asciiMap(s, func(r rune, _ int) rune { return upper(r) })
	case 1:
		return asciiMap(s, func(r rune, _ int) rune { return lower(r) })
	}
	return asciiMap(s, func(r rune, i int) rune {
		if g.rng.Intn(2) == 0 {
			return r
		}
		if upper(r) == r {
			return lower(r)
		}
		return upper(r)
	})
}

func asciiMap(s string, f func(r rune, i int) rune) string {
	r := []rune(s)
	for i, c := range r {
		if c < 0x80 {
			r[i] = f(c, i)
		}
	}
	return string(r)
}

func upper(r rune) rune {
	if r >= 'a' && r <= 'z' {
		return r - 'a' + 'A'
	}
	return r
}

func lower(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r - 'A' + 'a'
	}
	return r
}

// miss returns a near miss of s: one character replaced by another,
// added or removed; never s itself in any case.
func (g *gen) miss(s string) string {
	r := []rune(s)
	for {
		var out []rune
		i := g.rng.Intn(len(r) + 1)
		c := oneOf(g, []rune("aZ0_.\\ -x9"))
		switch g.rng.Intn(3) {
		case 0: // add
			out = append(append(append(out, r[:i]...), c), r[i:]...)
		case 1: // remove
			if i == len(r) {
				continue
			}
			out = append(append(out, r[:i]...), r[i+1:]...)
		default: // replace
			if i == len(r) {
				continue
			}
			out = append(append(append(out, r[:i]...), c), r[i+1:]...)
		}
		if m := string(out); !strings.EqualFold(m, s) && m != "" {
			return m
		}
	}
}
