// Package roundtrip generates Sigma rules whose values are hostile to the
// string layer of a query language: quotes, backslashes (single, doubled,
// trailing, before wildcards), line breaks, control characters, NUL,
// non-ASCII and Unicode line separators, escaped and unescaped wildcards,
// regular expression metacharacters. Each generated value carries what it
// means by Sigma's rules, computed here from the specification and not by
// the parser, so that a backend test can check that every string literal of
// the query, as the target reads it, is exactly that meaning.
//
// The package is backend-neutral: a backend's round-trip test maps each
// Selection to the literals it expects (backends/kql/roundtrip_test.go and
// backends/splunk/roundtrip_test.go). Each needs the same three pieces: a
// reader of the target's quoting written from its documentation (for KQL,
// kqlcheck.Literals, checked against Microsoft's parser; for SPL,
// internal/testsupport/spl), the forms the backend prints for each Match, and the
// generator's Rule and Meaning, unchanged.
package roundtrip

import (
	"fmt"
	"math/rand"
	"regexp/syntax"
	"strings"
	"unicode/utf8"

	"github.com/sigma2kql/sigma2kql/ast"
)

// A Match is how a selection compares its values.
type Match uint8

const (
	Equal      Match = iota // no modifier
	Contains                // contains
	StartsWith              // startswith
	EndsWith                // endswith
	Regex                   // re, with flags
	Keyword                 // a field-less search (keywords)
)

var matchModifier = [...]string{Equal: "", Contains: "contains", StartsWith: "startswith", EndsWith: "endswith", Regex: "re", Keyword: ""}

func (m Match) String() string {
	return [...]string{"equal", "contains", "startswith", "endswith", "re", "keyword"}[m]
}

// A Value is one generated value.
type Value struct {
	Parts   []ast.Part // what it means (Literal and wildcard parts), before the match modifier
	Pattern string     // for Regex: the regular expression as written
	Source  string     // the value as written in the rule (Sigma escaping applied)
}

// A Selection is one search identifier of a generated rule: one field
// match (or a list of keywords).
type Selection struct {
	Name   string
	Field  string // "" for keywords
	Match  Match
	Cased  bool   // the cased modifier
	All    bool   // the all modifier
	Flags  string // Regex: some of "ims", in that order
	Values []Value
}

// Meaning returns what value v of s must match, by Sigma's rules: its
// parts, with the wildcards that contains, startswith and endswith add. A
// "*" is not added where the value already has one, so the empty value
// under contains is a single "*" (which means the same as two).
func (s *Selection) Meaning(v Value) []ast.Part {
	parts := append([]ast.Part(nil), v.Parts...)
	star := ast.Part{Kind: ast.WildcardMulti}
	if (s.Match == Contains || s.Match == EndsWith) && !(len(parts) > 0 && parts[0].Kind == ast.WildcardMulti) {
		parts = append([]ast.Part{star}, parts...)
	}
	if (s.Match == Contains || s.Match == StartsWith) && !(len(parts) > 0 && parts[len(parts)-1].Kind == ast.WildcardMulti) {
		parts = append(parts, star)
	}
	return parts
}

// A Rule is a generated rule.
type Rule struct {
	Selections []*Selection
	Marker     *Selection // a last selection on another field; see Generator.Rule
	YAML       string
}

// Values counts the generated values of the rule, the marker left out.
func (r *Rule) Values() int {
	n := 0
	for _, s := range r.Selections {
		n += len(s.Values)
	}
	return n
}

// A Generator makes rules from a seeded random source.
type Generator struct {
	rng *rand.Rand
}

// New returns a generator with the given seed.
func New(seed int64) *Generator { return &Generator{rng: rand.New(rand.NewSource(seed))} }

// atoms are the pieces literal text is made of.
var atoms = []string{
	`"`, `'`, `\`, `\`, `\`, `\\`, `\\\`, "\n", "\r\n", "\r", "\t", "\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f",
	"\u0085", "\u00a0", "\u2028", "\u2029", "\ufeff", "\u200b", "\ufffd", "é", "ß", "Ω", "中文", "😀", "\U0010fffd",
	".", "^", "$", "+", "{", "}", "[", "]", "|", "(", ")", "{2}", ".*", `\d`, `\*`, `\?`,
	"/", "%", "%x%", "@", "`", "```", "~", ";", "//", "/*", "*/", "--", "#", "&", "=", "<", ">", ",", ":", "!", "h",
	" ", "  ", "a", "Z", "0", "42", "cmd.exe", "C:", `C:\Windows\`, `\\server\share`, `"quoted"`, `'single'`, "true", "null", "-enc",
}

// text returns a random literal text.
func (g *Generator) text() string {
	var b strings.Builder
	for n := 1 + g.rng.Intn(3); n > 0; n-- {
		b.WriteString(atoms[g.rng.Intn(len(atoms))])
	}
	return b.String()
}

// value returns a random string value: literal text and wildcards, with
// its source in Sigma syntax.
func (g *Generator) value(wildcards bool) Value {
	var v Value
	for n := g.rng.Intn(6); n > 0; n-- {
		if wildcards && g.rng.Intn(5) == 0 {
			k := ast.WildcardMulti
			if g.rng.Intn(3) == 0 {
				k = ast.WildcardSingle
			}
			v.Parts = append(v.Parts, ast.Part{Kind: k})
			continue
		}
		t := g.text()
		if n := len(v.Parts); n > 0 && v.Parts[n-1].Kind == ast.Literal {
			v.Parts[n-1].Text += t
		} else {
			v.Parts = append(v.Parts, ast.Part{Kind: ast.Literal, Text: t})
		}
	}
	v.Source = g.source(v.Parts)
	return v
}

// source writes parts in Sigma syntax (see Escape).
func (g *Generator) source(parts []ast.Part) string { return Escape(g.rng, parts) }

// Escape writes parts in Sigma syntax. By the specification, "*" and "?"
// are wildcards and a backslash escapes "*", "?" and itself; a backslash
// before any other character (or at the end) stands for itself. So a
// literal "*" or "?" is written escaped, and a literal backslash either
// doubled or, where the next character does not make it an escape, alone
// (chosen at random from rng: both forms must mean the same).
func Escape(rng *rand.Rand, parts []ast.Part) string {
	var toks []string
	for _, p := range parts {
		switch p.Kind {
		case ast.WildcardMulti:
			toks = append(toks, "*")
		case ast.WildcardSingle:
			toks = append(toks, "?")
		case ast.Literal:
			for _, r := range p.Text {
				switch r {
				case '*', '?':
					toks = append(toks, `\`+string(r))
				case '\\':
					toks = append(toks, "") // decided below
				default:
					toks = append(toks, string(r))
				}
			}
		}
	}
	for i := len(toks) - 1; i >= 0; i-- {
		if toks[i] != "" {
			continue
		}
		next := byte(0)
		if i+1 < len(toks) {
			next = toks[i+1][0]
		}
		if next == '*' || next == '?' || next == '\\' || rng.Intn(2) == 0 {
			toks[i] = `\\`
		} else {
			toks[i] = `\`
		}
	}
	return strings.Join(toks, "")
}

// regexAtoms are the pieces of generated regular expressions (RE2 syntax,
// which Kusto uses too).
var regexAtoms = []string{
	"a", "Z", "0", "é", "中", "😀", " ", `"`, `'`, `\"`, `\'`, `\\`, `\.`, `\*`, `\?`, `\(`, `\)`, `\[`, `\{`, `\|`, `\^`, `\$`, `\+`, `\/`,
	`\d`, `\w+`, `\s*`, `\b`, `\n`, `\t`, `\x41`, `\x{263a}`, `\pL`, `\p{Greek}`, "[a-z]", "[^\"']", `[\\/]`, "[[:alpha:]]",
	"(a|b)", "(?:x|y)", "(?P<n>z)", ".", ".*", ".+?", "x?", "y{2}", "z{1,3}", "^", "$", "\t", "\n", "\x00", "\u2028", "%", "@", "`", ";",
}

// regex returns a random valid regular expression.
func (g *Generator) regex() string {
	for {
		var b strings.Builder
		for n := 1 + g.rng.Intn(6); n > 0; n-- {
			b.WriteString(regexAtoms[g.rng.Intn(len(regexAtoms))])
		}
		if _, err := syntax.Parse(b.String(), syntax.Perl); err == nil {
			return b.String()
		}
	}
}

// Rule returns a rule with n generated selections on field (and keyword
// searches), and a last selection, the marker, that tests markerField for
// equality with "marker". The marker keeps the backend from merging the
// selections (they are ORed by "1 of sel*") into one list of values.
func (g *Generator) Rule(field, markerField string, n int) *Rule {
	r := &Rule{}
	for i := 0; i < n; i++ {
		s := &Selection{Name: fmt.Sprintf("sel%03d", i), Field: field}
		switch x := g.rng.Intn(20); {
		case x < 5:
			s.Match = Equal
		case x < 9:
			s.Match = Contains
		case x < 12:
			s.Match = StartsWith
		case x < 15:
			s.Match = EndsWith
		case x < 18:
			s.Match = Regex
		default:
			s.Match = Keyword
			s.Field = ""
		}
		if s.Match != Regex && s.Match != Keyword {
			s.Cased = g.rng.Intn(5) == 0
		}
		nv := 1
		if g.rng.Intn(2) == 0 {
			nv = 2 + g.rng.Intn(4)
		}
		if s.Match != Regex && s.Match != Keyword && nv > 1 {
			s.All = g.rng.Intn(6) == 0
		}
		if s.Match == Regex {
			for _, f := range "ims" {
				if g.rng.Intn(4) == 0 {
					s.Flags += string(f)
				}
			}
		}
		for j := 0; j < nv; j++ {
			if s.Match == Regex {
				p := g.regex()
				s.Values = append(s.Values, Value{Pattern: p, Source: p})
				continue
			}
			s.Values = append(s.Values, g.value(true))
		}
		r.Selections = append(r.Selections, s)
	}
	r.Marker = &Selection{Name: "selz", Field: markerField, Values: []Value{{Parts: []ast.Part{{Kind: ast.Literal, Text: "marker"}}, Source: "marker"}}}
	r.YAML = ruleYAML(append(append([]*Selection(nil), r.Selections...), r.Marker))
	return r
}

func ruleYAML(sels []*Selection) string {
	var b strings.Builder
	b.WriteString("title: generated round-trip rule\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n")
	for _, s := range sels {
		fmt.Fprintf(&b, "  %s:\n", s.Name)
		if s.Match == Keyword {
			for _, v := range s.Values {
				fmt.Fprintf(&b, "    - %s\n", Quote(v.Source))
			}
			continue
		}
		key := s.Field
		if m := matchModifier[s.Match]; m != "" {
			key += "|" + m
		}
		for _, f := range s.Flags {
			key += "|" + string(f)
		}
		if s.Cased {
			key += "|cased"
		}
		if s.All {
			key += "|all"
		}
		fmt.Fprintf(&b, "    %s:\n", key)
		for _, v := range s.Values {
			fmt.Fprintf(&b, "      - %s\n", Quote(v.Source))
		}
	}
	b.WriteString("  condition: 1 of sel*\n")
	return b.String()
}

// Quote writes s as a YAML double-quoted scalar: printable characters as
// they are, the quote and the backslash escaped, and every other character
// (controls, NUL, U+0085, the line and paragraph separators, the byte order
// mark) as an escape, so that YAML gives s back exactly.
func Quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r == 0x85 || r == 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff || r == 0x200b || r > 0xffff || r == utf8.RuneError:
			if r > 0xffff {
				fmt.Fprintf(&b, `\U%08x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
