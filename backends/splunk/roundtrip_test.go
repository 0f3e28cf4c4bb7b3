package splunk

import (
	"errors"
	"fmt"
	"math/rand"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/roundtrip"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/spl"
)

// The SPL round trip: rules whose values are hostile to the string layer
// (internal/testsupport/roundtrip) are converted through the pipelines, every quoted
// string of the search is read back the way Splunk's documentation says the
// commands read it (internal/testsupport/spl), and each must be exactly what the rule
// means:
//
//   - a field value, an element of an IN list or a keyword, with "*" as the
//     search command's wildcard, must match exactly the strings the Sigma
//     value matches, except for the two approximations the printer makes
//     on purpose (golden/DEVIATIONS.md): "?" is written as "*" (the search
//     command has no single-character wildcard), and a literal "*" is
//     written as "\*", which the search command reads as a backslash and a
//     wildcard. They are counted, and any other difference fails;
//   - the pattern of a re value, in | regex or in the named group of
//     | rex, is the regular expression as written, with its flags;
//   - a cased value is a regular expression that matches exactly the Sigma
//     value, case-sensitively, as PCRE reads it;
//   - nothing else is quoted but the "true"/"false" of the eval commands and
//     the fixed options of the data_model format: a value that ends its
//     quotes early, or an unbalanced quotation mark, changes the literals or
//     makes the search unreadable, and fails.
//
// Rules are ORs of their selections ("1 of sel*", regular expressions in
// the rex/eval form) or ANDs ("all of sel*", single ones as | regex
// filters), converted with splunk_windows (plain searches, and the
// savedsearches.conf format, whose search setting is read back by
// parseConf: a line ending in a backslash continues, the break kept) and
// splunk_cim (data_model, tstats).
//
// ROUNDTRIP_SEED=n repeats a run; ROUNDTRIP_VALUES=n changes how many values
// each case gets (default 2500).

func TestRoundTripLiterals(t *testing.T) {
	seed, target := roundtrip.Settings(t)
	for _, c := range []rtCase{
		{pipeline: "splunk_windows", format: FormatDefault},
		{pipeline: "splunk_windows", format: FormatSavedSearches},
		{pipeline: "splunk_cim", format: FormatDataModel, noKeywords: true},
	} {
		t.Run(c.pipeline+"/"+c.format, func(t *testing.T) {
			t.Parallel()
			c.fields(t)
			var st rtStats
			queries := roundtrip.Run(t, seed, target, func(r *roundtrip.Rule, rng *rand.Rand) (int, string, error) {
				if c.noKeywords && rtHasKeywords(r) {
					return 0, "", nil // the data model has no raw event to search
				}
				src, all := r.YAML, rng.Intn(2) == 0
				if all {
					src = strings.Replace(src, "condition: 1 of sel*", "condition: all of sel*", 1)
				}
				before := st.values // check counts the values it checked; none when refused
				err := c.check(t, r, src, all, &st)
				return st.values - before, src, err
			})
			t.Logf("%s %s: %d values in %d searches: %d searched exactly, %d with ? written as *, %d with a literal * written as \\* (a value may have both), %d regular expressions as written, %d cased values as exact regular expressions; %d searches refused (a control character)",
				c.pipeline, c.format, st.values, queries, st.exact, st.qmark, st.star, st.regex, st.cased, st.refused)
			if st.values >= target && (st.exact == 0 || st.qmark == 0 || st.star == 0 || st.regex == 0 || st.cased == 0) {
				t.Errorf("a kind of value was never checked: %+v", st)
			}
		})
	}
}

// An rtCase is a pipeline and an output format.
type rtCase struct {
	pipeline, format string
	noKeywords       bool
	field, marker    string // what the pipeline names CommandLine and ParentCommandLine
}

type rtStats struct {
	values, exact, qmark, star, regex, cased int
	refused                                  int // searches savedsearches.conf cannot carry
}

// errConfRefused is a savedsearches stanza refused because its search holds
// a control character.
var errConfRefused = errors.New("refused: the search holds a control character")

// confUnsafe reports whether a search holds a character that no .conf line
// can carry: a control character other than LF and tab, or a Unicode line
// or paragraph separator.
func confUnsafe(search string) bool {
	return strings.ContainsFunc(search, func(r rune) bool {
		return (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) || r == 0x2028 || r == 0x2029
	})
}

func rtHasKeywords(r *roundtrip.Rule) bool {
	for _, s := range r.Selections {
		if s.Match == roundtrip.Keyword {
			return true
		}
	}
	return false
}

// fields finds the names the pipeline gives the two fields of the rules.
func (c *rtCase) fields(t *testing.T) {
	src := rule(procCreation, "a:\n    CommandLine: probe1\nb:\n    ParentCommandLine: probe2\ncondition: a and b")
	out, err := convert(t, src, FormatDefault, nil, c.pipeline)
	if err != nil {
		t.Fatal(err)
	}
	lits, err := spl.Parse(out)
	if err != nil || len(lits) != 2 {
		t.Fatalf("probe search %q: %v, %v", out, lits, err)
	}
	c.field, c.marker = lits[0].Field, lits[1].Field
}

// search converts r and returns its search as Splunk reads it.
func (c *rtCase) search(t *testing.T, src string) (string, error) {
	out, err := convert(t, src, c.format, nil, c.pipeline)
	if err != nil && c.format == FormatSavedSearches && strings.Contains(err.Error(), "which savedsearches.conf cannot carry") {
		// Refused: right only when the search holds such a character.
		plain, perr := convert(t, src, FormatDefault, nil, c.pipeline)
		if perr == nil && confUnsafe(plain) {
			return "", errConfRefused
		}
		return "", fmt.Errorf("%v, though the search holds no control character:\n%s", err, plain)
	}
	if err != nil || c.format != FormatSavedSearches {
		return out, err
	}
	stanzas, err := parseConf(out)
	if err != nil {
		return "", fmt.Errorf("savedsearches.conf: %v\n%s", err, out)
	}
	if len(stanzas) != 2 {
		return "", fmt.Errorf("savedsearches.conf: %d stanzas, want [default] and the rule's\n%s", len(stanzas), out)
	}
	s, ok := stanzas[1].values["search"]
	if !ok {
		return "", fmt.Errorf("savedsearches.conf: no search setting\n%s", out)
	}
	return s, nil
}

// An rtWant is an expected literal.
type rtWant struct {
	ctx   spl.Context
	field string
	sel   *roundtrip.Selection
	src   string // the value as written in the rule, for messages
	check func(l spl.Literal, st *rtStats) error
	stats *rtStats // where the check counts
}

// check converts src, the YAML of r with its condition ("all of sel*"
// when all is set), and compares the literals of the search with those
// that r's selections require.
func (c *rtCase) check(t *testing.T, r *roundtrip.Rule, src string, all bool, st *rtStats) error {
	if all && !strings.Contains(src, "condition: all of sel*") {
		return fmt.Errorf("the rule's condition was not replaced")
	}
	q, err := c.search(t, src)
	if errors.Is(err, errConfRefused) {
		st.refused++
		return nil
	}
	if err != nil {
		return fmt.Errorf("conversion failed: %v", err)
	}
	lits, err := spl.Parse(q)
	if err != nil {
		return fmt.Errorf("unreadable search: %v\nsearch:\n%s", err, q)
	}
	// The expected literals, by kind: the tests of the search command in
	// order (values and the computed conditions of the rex/eval form), the
	// patterns of | rex and of | regex, each in order.
	var terms, rexes, regexes []rtWant
	for _, s := range append(append([]*roundtrip.Selection(nil), r.Selections...), r.Marker) {
		field, stats := c.field, st
		if s == r.Marker {
			field, stats = c.marker, &rtStats{} // not a generated value
		}
		deferred := s.Match == roundtrip.Regex || s.Cased
		for _, v := range s.Values {
			w := rtWant{field: field, sel: s, src: roundtrip.Quote(v.Source), stats: stats}
			switch {
			case deferred:
				w.check = rtRegexCheck(s, v)
				if all && (len(s.Values) == 1 || s.All) {
					w.ctx = spl.Regex // a filter of the whole search
					regexes = append(regexes, w)
					continue
				}
				w.ctx = spl.Rex
				rexes = append(rexes, w)
				terms = append(terms, rtWant{ctx: spl.Term, sel: s, src: w.src, check: rtConditionCheck, stats: stats})
			case s.Match == roundtrip.Keyword:
				w.ctx, w.field, w.check = spl.Keyword, "", rtValueCheck(v.Parts)
				terms = append(terms, w)
			default:
				w.ctx, w.check = spl.Term, rtValueCheck(s.Meaning(v))
				if len(s.Values) > 1 && !s.All {
					w.ctx = spl.InList
				}
				terms = append(terms, w)
			}
		}
	}
	var gotTerms, gotRexes, gotRegexes []spl.Literal
	var evals, opts []string
	for _, l := range lits {
		switch l.Context {
		case spl.Term, spl.InList, spl.Keyword:
			gotTerms = append(gotTerms, l)
		case spl.Rex:
			gotRexes = append(gotRexes, l)
		case spl.Regex:
			gotRegexes = append(gotRegexes, l)
		case spl.EvalString:
			evals = append(evals, l.Value)
		case spl.Option:
			opts = append(opts, l.Field+"="+l.Value)
		default:
			return fmt.Errorf("unexpected %s literal %s\nsearch:\n%s", l.Context, l.Raw, q)
		}
	}
	for _, x := range []struct {
		what string
		want []rtWant
		got  []spl.Literal
	}{{"search tests", terms, gotTerms}, {"rex patterns", rexes, gotRexes}, {"regex filters", regexes, gotRegexes}} {
		if len(x.got) != len(x.want) {
			return fmt.Errorf("%d %s, want %d\nsearch:\n%s", len(x.got), x.what, len(x.want), q)
		}
		for i, w := range x.want {
			g := x.got[i]
			where := fmt.Sprintf("%s %d of %d (%s %s, value %s): %s", x.what, i+1, len(x.want), w.sel.Name, w.sel.Match, w.src, g.Raw)
			if g.Context != w.ctx {
				return fmt.Errorf("%s: a %s literal, want %s\nsearch:\n%s", where, g.Context, w.ctx, q)
			}
			if w.field != "" && g.Field != w.field {
				return fmt.Errorf("%s: field %q, want %q\nsearch:\n%s", where, g.Field, w.field, q)
			}
			if err := w.check(g, w.stats); err != nil {
				return fmt.Errorf("%s: %v\nsearch:\n%s", where, err, q)
			}
		}
	}
	if err := rtGroups(gotRexes, gotTerms); err != nil {
		return fmt.Errorf("%v\nsearch:\n%s", err, q)
	}
	if got, want := strings.Join(evals, " "), strings.TrimSpace(strings.Repeat("true false ", len(rexes))); got != want {
		return fmt.Errorf("eval strings %q, want a \"true\", \"false\" pair per rex\nsearch:\n%s", evals, q)
	}
	wantOpts := ""
	if c.format == FormatDataModel {
		wantOpts = `fillnull_value=null|timeformat=%Y-%m-%dT%H:%M:%S|timeformat=%Y-%m-%dT%H:%M:%S`
	}
	if strings.Join(opts, "|") != wantOpts {
		return fmt.Errorf("options %q, want %q\nsearch:\n%s", opts, wantOpts, q)
	}
	st.values += r.Values()
	return nil
}

// rtValueCheck checks a search-command value against what the Sigma value
// means (its parts, with the wildcards of contains, startswith and
// endswith): the same pattern, or the one the printer's two documented
// approximations make, which are counted.
func rtValueCheck(meaning []ast.Part) func(spl.Literal, *rtStats) error {
	return func(l spl.Literal, st *rtStats) error {
		got := rtNormalize(l.Pattern())
		want, qmark, star := rtApproximate(meaning)
		if a, b := spl.PatternString(got), spl.PatternString(want); a != b {
			return fmt.Errorf("the search command reads %s, want %s", a, b)
		}
		switch {
		case qmark || star:
			if qmark {
				st.qmark++
			}
			if star {
				st.star++
			}
		default:
			st.exact++
		}
		return nil
	}
}

// rtApproximate returns the pattern the printer writes for a Sigma
// meaning: "?" becomes the wildcard "*", and a literal "*" becomes "\*",
// which the search command reads as a backslash and a wildcard. It
// reports which of the two applied; when neither did, the pattern is
// exactly the Sigma meaning.
func rtApproximate(parts []ast.Part) (out []spl.Piece, qmark, star bool) {
	for _, p := range parts {
		switch p.Kind {
		case ast.WildcardMulti:
			out = append(out, spl.Piece{Wildcard: true})
		case ast.WildcardSingle:
			out = append(out, spl.Piece{Wildcard: true})
			qmark = true
		case ast.Literal:
			for i, text := range strings.Split(p.Text, "*") {
				if i > 0 {
					out = append(out, spl.Piece{Text: `\`}, spl.Piece{Wildcard: true})
					star = true
				}
				out = append(out, spl.Piece{Text: text})
			}
		}
	}
	return rtNormalize(out), qmark, star
}

// rtNormalize merges adjacent texts, drops empty ones and merges runs of
// wildcards (which match what one does).
func rtNormalize(in []spl.Piece) []spl.Piece {
	var out []spl.Piece
	for _, p := range in {
		n := len(out)
		switch {
		case !p.Wildcard && p.Text == "":
		case p.Wildcard && n > 0 && out[n-1].Wildcard:
		case !p.Wildcard && n > 0 && !out[n-1].Wildcard:
			out[n-1].Text += p.Text
		default:
			out = append(out, p)
		}
	}
	return out
}

// rtConditionCheck checks the test of a computed condition of the rex/eval
// form: <base>Condition<n>="true".
func rtConditionCheck(l spl.Literal, _ *rtStats) error {
	if l.Context != spl.Term || l.Op != "=" || l.Value != "true" || !rtCondName.MatchString(l.Field) {
		return fmt.Errorf("want a test <name>Condition<n>=\"true\" of the rex/eval form, got %s%s%s", l.Field, l.Op, l.Raw)
	}
	return nil
}

var (
	rtCondName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*Condition[0-9]*$`)
	rtGroup    = regexp.MustCompile(`^\(\?<([A-Za-z_][A-Za-z0-9_]*Match([0-9]*))>`)
)

// rtGroups checks that the nth named group of the rex commands is the nth
// computed condition of the search: <base>Match<n> and <base>Condition<n>.
func rtGroups(rexes, terms []spl.Literal) error {
	var conds []string
	for _, l := range terms {
		if rtCondName.MatchString(l.Field) {
			conds = append(conds, l.Field)
		}
	}
	for i, l := range rexes {
		m := rtGroup.FindStringSubmatch(l.Value)
		if m == nil || i >= len(conds) {
			return fmt.Errorf("rex %d: no named group for condition %d: %s", i+1, i+1, l.Raw)
		}
		if want := strings.TrimSuffix(m[1], "Match"+m[2]) + "Condition" + m[2]; conds[i] != want {
			return fmt.Errorf("rex %d: group %s, but the search tests %s", i+1, m[1], conds[i])
		}
	}
	return nil
}

// rtRegexCheck checks the pattern of a deferred value: for re, the
// regular expression as written, with its flags; for cased, a regular
// expression that matches exactly the Sigma value. In | rex the pattern is
// the named group around it.
func rtRegexCheck(s *roundtrip.Selection, v roundtrip.Value) func(spl.Literal, *rtStats) error {
	return func(l spl.Literal, st *rtStats) error {
		re := l.Value
		if l.Context == spl.Rex {
			m := rtGroup.FindString(re)
			if m == "" || !strings.HasSuffix(re, ")") {
				return fmt.Errorf("rex pattern %q is not one named group", re)
			}
			re = re[len(m) : len(re)-1]
		} else if l.Op != "=" {
			return fmt.Errorf("regex %s, want =", l.Op)
		}
		if s.Match == roundtrip.Regex {
			want := v.Pattern
			if s.Flags != "" {
				want = "(?" + s.Flags + ")" + want
			}
			if re != want {
				return fmt.Errorf("PCRE receives %q, want %q", re, want)
			}
			st.regex++
			return nil
		}
		if err := rtCasedCheck(re, s.Meaning(v)); err != nil {
			return err
		}
		st.cased++
		return nil
	}
}

// rtCasedCheck reads a regular expression of the forms the printer writes
// for cased values, by PCRE's rules, and checks that it matches exactly the
// strings of the Sigma meaning: literal characters (escaped with a
// backslash, or \xhh), "." for "?" and ".*" for "*" under (?s), so that they
// match line breaks too, "^" and "\z" at the ends that are not "*" (PCRE's
// "$" would also match before a final line break).
func rtCasedCheck(re string, meaning []ast.Part) error {
	dotall := strings.HasPrefix(re, "(?s)")
	rest := strings.TrimPrefix(re, "(?s)")
	start := strings.HasPrefix(rest, "^")
	rest = strings.TrimPrefix(rest, "^")
	end := false
	var got []ast.Part
	lit := func(s string) {
		if n := len(got); n > 0 && got[n-1].Kind == ast.Literal {
			got[n-1].Text += s
		} else {
			got = append(got, ast.Part{Kind: ast.Literal, Text: s})
		}
	}
	for i := 0; i < len(rest); {
		switch c := rest[i]; {
		case c == '\\' && i+1 < len(rest):
			switch d := rest[i+1]; {
			case d == 'z' && i+2 == len(rest):
				end = true
				i += 2
			case d == 'x' && i+3 < len(rest) && isHex(rest[i+2]) && isHex(rest[i+3]):
				n, _ := strconv.ParseUint(rest[i+2:i+4], 16, 8)
				if n >= 0x80 {
					return fmt.Errorf("%q: \\x%02x is not one character in UTF-8", re, n)
				}
				lit(string(rune(n)))
				i += 4
			case strings.IndexByte(`\.+*?()|[]{}^$`, d) >= 0:
				lit(string(d))
				i += 2
			default:
				return fmt.Errorf("%q: unexpected escape \\%c", re, d)
			}
		case c == '.' && i+1 < len(rest) && rest[i+1] == '*':
			got = append(got, ast.Part{Kind: ast.WildcardMulti})
			i += 2
		case c == '.':
			got = append(got, ast.Part{Kind: ast.WildcardSingle})
			i++
		case c == '$':
			return fmt.Errorf("%q: PCRE's $ also matches before a final line break", re)
		case strings.IndexByte(`+*?()|[]{}^`, c) >= 0:
			return fmt.Errorf("%q: unescaped metacharacter %c", re, c)
		default:
			r, n := utf8.DecodeRuneInString(rest[i:])
			lit(string(r))
			i += n
		}
	}
	// An unanchored expression matches what it matches with ".*" at its
	// unanchored ends, and an anchor alone around nothing matches every
	// string: compare both sides in that form.
	got, start, end = rtUnanchor(roundtrip.Collapse(got), start, end)
	want := roundtrip.Collapse(meaning)
	wantStart := !(len(want) > 0 && want[0].Kind == ast.WildcardMulti)
	wantEnd := !(len(want) > 0 && want[len(want)-1].Kind == ast.WildcardMulti)
	want, wantStart, wantEnd = rtUnanchor(want, wantStart, wantEnd)
	if start != wantStart || end != wantEnd {
		return fmt.Errorf("%q: anchored at the start %v and at the end %v, want %v and %v", re, start, end, wantStart, wantEnd)
	}
	if a, b := roundtrip.PartsString(got), roundtrip.PartsString(want); a != b {
		return fmt.Errorf("%q matches %s, want %s", re, a, b)
	}
	for _, p := range got {
		if p.Kind != ast.Literal && !dotall {
			return fmt.Errorf("%q: without (?s), . does not match a line break", re)
		}
	}
	return nil
}

// rtUnanchor drops the "*" at the ends that are not anchored, and the
// anchors around nothing but a single one.
func rtUnanchor(parts []ast.Part, start, end bool) ([]ast.Part, bool, bool) {
	if !start && len(parts) > 0 && parts[0].Kind == ast.WildcardMulti {
		parts = parts[1:]
	}
	if !end && len(parts) > 0 && parts[len(parts)-1].Kind == ast.WildcardMulti {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 0 && !(start && end) {
		start, end = false, false
	}
	return parts, start, end
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
