package kql_test

import (
	"fmt"
	"maps"
	"math/rand"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends/kql"
	"github.com/sigma2kql/sigma2kql/engine"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/kqlcheck"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/roundtrip"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// The round trip: generated rules whose values are hostile to the string
// layer are converted with every built-in kusto pipeline, and every string
// literal of each query, as Kusto reads it, must be exactly the value that
// Sigma's semantics require: the literal text for equality, contains,
// startswith, endswith and in~; for the "matches regex" form of wildcards,
// a regular expression made of exactly the literal text and the wildcards;
// for re, the pattern as written.
//
// Literals are read twice: by Microsoft's parser (kqlcheck --serve, when
// $KQLCHECK_DIR names an installed copy; .ci/run sets it), which also gives
// each literal's operator, and by the Go reader kqlcheck.Literals, which
// always runs.
//
// ROUNDTRIP_SEED=n repeats a run; ROUNDTRIP_VALUES=n changes how many
// values each pipeline gets (default 2500).

func TestRoundTripLiterals(t *testing.T) {
	seed, target := roundtrip.Settings(t)
	dir, kerr := kqlcheck.Dir()
	if kerr != nil {
		t.Logf("Kusto's own reading of the literals is skipped: %v; only the Go reader checks them", kerr)
	}
	var pipes []*pipeline.Pipeline
	for _, p := range pipeline.Builtins() {
		if len(p.Targets) == 0 || slices.Contains(p.Targets, "kusto") {
			pipes = append(pipes, p)
		}
	}
	for _, p := range pipes {
		t.Run(p.Name, func(t *testing.T) {
			t.Parallel()
			cfg := &engine.Config{Backend: kql.New(nil), Format: "default", Pipelines: []*pipeline.Pipeline{p}, Jobs: 1}
			if q, err := rtConvert(cfg, roundtrip.New(0).Rule("CommandLine", "ParentCommandLine", 1).YAML); err != nil {
				t.Skipf("pipeline %s does not convert process_creation rules on CommandLine and ParentCommandLine: %v", p.Name, err)
			} else if !strings.Contains(q, `"marker"`) {
				t.Skipf("pipeline %s leaves ParentCommandLine, the rules' marker, out of its queries (data the target lacks)", p.Name)
			}
			var checker *kqlcheck.Checker
			if kerr == nil {
				checker = rtChecker(t, dir, p)
			}
			values := 0
			queries := roundtrip.Run(t, seed, target, func(r *roundtrip.Rule, _ *rand.Rand) (int, string, error) {
				values += r.Values()
				return r.Values(), r.YAML, rtCheckRule(cfg, checker, r)
			})
			mode := "Go reader only"
			if checker != nil {
				mode = "Kusto.Language and Go reader"
			}
			t.Logf("%s: %d values in %d queries checked (%s)", p.Name, values, queries, mode)
		})
	}
}

var (
	rtCheckersMu sync.Mutex
	rtCheckers   = map[string]*kqlcheck.Checker{}
)

// rtChecker returns a kqlcheck process for the schema of pipeline,
// started once for all the tests of the package (Node and Kusto.Language
// take seconds to start). It ends with the test binary, when its standard
// input closes.
func rtChecker(t *testing.T, dir string, p *pipeline.Pipeline) *kqlcheck.Checker {
	rtCheckersMu.Lock()
	defer rtCheckersMu.Unlock()
	if c, ok := rtCheckers[p.Name]; ok {
		return c
	}
	schema, err := kqlcheck.SchemaFor(dir, p.Name, slices.Sorted(maps.Keys(p.Schema)))
	if err != nil {
		t.Fatal(err)
	}
	c, err := kqlcheck.Start(dir, kqlcheck.Options{Schemas: schema, MaxDepth: 5000})
	if err != nil {
		t.Fatal(err)
	}
	rtCheckers[p.Name] = c
	return c
}

// rtConvert converts one rule file and returns its only query.
func rtConvert(cfg *engine.Config, src string) (string, error) {
	results := engine.Run(cfg, []engine.Input{{Name: "roundtrip.yml", Src: []byte(src)}})
	if len(results) != 1 {
		return "", fmt.Errorf("%d results, want 1", len(results))
	}
	if results[0].Err != nil {
		return "", results[0].Err
	}
	if len(results[0].Queries) != 1 {
		return "", fmt.Errorf("%d queries, want 1", len(results[0].Queries))
	}
	return results[0].Queries[0], nil
}

// rtCheckRule converts r and compares the literals of the query with what
// the selections require.
func rtCheckRule(cfg *engine.Config, checker *kqlcheck.Checker, r *roundtrip.Rule) error {
	q, err := rtConvert(cfg, r.YAML)
	if err != nil {
		return fmt.Errorf("conversion failed: %v", err)
	}
	var want []rtExpected
	for _, s := range r.Selections {
		want = append(want, rtExpect(rtKeywordsField(cfg, s))...)
	}
	want = append(want, rtExpect(r.Marker)...)

	lits, err := kqlcheck.Literals(q)
	if err != nil {
		return fmt.Errorf("Go reader: %v\nquery: %s", err, q)
	}
	skip, err := rtPipelineLiterals(q)
	if err != nil {
		return fmt.Errorf("Go reader: %v\nquery: %s", err, q)
	}
	var got []rtLiteral
	for _, l := range lits {
		if !l.Name {
			got = append(got, rtLiteral{value: l.Value})
		}
	}
	got = got[skip:]
	if err := rtCompare(want, got, false); err != nil {
		return fmt.Errorf("Go reader: %v\nquery: %s", err, q)
	}
	if checker == nil {
		return nil
	}
	res, err := checker.Check(q, true)
	if err != nil {
		return err
	}
	if !res.OK {
		return fmt.Errorf("Kusto.Language rejects the query: %v\nquery: %s", res.Errors(), q)
	}
	got = got[:0]
	condLine := 1
	if i := strings.LastIndex(q, "\n| where "); i >= 0 {
		condLine = strings.Count(q[:i+1], "\n") + 1
	}
	for _, l := range res.Literals {
		if l.Line < condLine {
			continue // the pipeline's own lines (rtPipelineLiterals)
		}
		if l.Error != "" {
			return fmt.Errorf("Kusto.Language: literal at %d:%d: %s", l.Line, l.Col, l.Error)
		}
		got = append(got, rtLiteral{op: l.Op, value: l.Value})
	}
	if err := rtCompare(want, got, true); err != nil {
		return fmt.Errorf("Kusto.Language: %v\nquery: %s", err, q)
	}
	return nil
}

// rtKeywordsField returns the selection the pipelines make of s: with a
// keywords_field step, keywords are contains tests of its field.
func rtKeywordsField(cfg *engine.Config, s *roundtrip.Selection) *roundtrip.Selection {
	if s.Match != roundtrip.Keyword {
		return s
	}
	for _, p := range cfg.Pipelines {
		for _, st := range p.Steps {
			if k, ok := st.(*pipeline.KeywordsField); ok {
				c := *s
				c.Match, c.Field = roundtrip.Contains, k.Field
				return &c
			}
		}
	}
	return s
}

// rtPipelineLiterals counts the string literals of the lines before the
// query's last where clause: the pipeline's own tests (a channel) and
// computed columns, which come before the rule's condition.
func rtPipelineLiterals(q string) (int, error) {
	i := strings.LastIndex(q, "\n| where ")
	if i < 0 {
		return 0, nil
	}
	lits, err := kqlcheck.Literals(q[:i])
	n := 0
	for _, l := range lits {
		if !l.Name {
			n++
		}
	}
	return n, err
}

// An expected literal: its operator and value, or for the regular
// expression form of wildcards, the parts the expression must consist of.
type rtExpected struct {
	op    string
	value string
	regex []ast.Part // when not nil: value is checked structurally
	flags string     // the flags the regular expression starts with
	sel   *roundtrip.Selection
}

type rtLiteral struct{ op, value string }

func rtCompare(want []rtExpected, got []rtLiteral, ops bool) error {
	if len(want) != len(got) {
		return fmt.Errorf("%d string literals, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		where := fmt.Sprintf("literal %d (%s %s, source %s)", i+1, w.sel.Name, w.sel.Match, rtSources(w.sel))
		if ops && g.op != w.op {
			return fmt.Errorf("%s: operator %q, want %q", where, g.op, w.op)
		}
		if w.regex != nil {
			body, ok := strings.CutPrefix(g.value, w.flags)
			if !ok {
				return fmt.Errorf("%s: regular expression %q does not start with %s", where, g.value, w.flags)
			}
			parts, err := rtRegexParts(body)
			if err != nil {
				return fmt.Errorf("%s: regular expression %q: %v", where, g.value, err)
			}
			if a, b := roundtrip.PartsString(roundtrip.Collapse(parts)), roundtrip.PartsString(roundtrip.Collapse(w.regex)); a != b {
				return fmt.Errorf("%s: regular expression %q means %s, want %s", where, g.value, a, b)
			}
			continue
		}
		if g.value != w.value {
			return fmt.Errorf("%s: value %q, want %q", where, g.value, w.value)
		}
	}
	return nil
}

func rtSources(s *roundtrip.Selection) string {
	var out []string
	for _, v := range s.Values {
		out = append(out, roundtrip.Quote(v.Source))
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// rtExpect returns the literals selection s must print, in order. The forms
// are those of the reference (plain values with =~ or in~, a leading and/or
// trailing "*" as endswith, startswith or contains, other wildcards as
// matches regex), except that plain values under all are equalities, not
// the reference's has_all, and that wildcards inside a value are an
// anchored regular expression, case-insensitive unless cased, in a list
// too; the values are computed from the generator's meaning of each
// value.
func rtExpect(s *roundtrip.Selection) []rtExpected {
	var out []rtExpected
	add := func(op, value string) { out = append(out, rtExpected{op: op, value: value, sel: s}) }
	single := func(parts []ast.Part, cased bool) {
		suffix := ""
		if cased {
			suffix = "_cs"
		}
		if text, ok := rtPlain(parts); ok {
			if cased {
				add("==", text)
			} else {
				add("=~", text)
			}
			return
		}
		if op, text, ok := rtSimple(parts); ok {
			add(op+suffix, text)
			return
		}
		flags := "(?is)"
		if cased {
			flags = "(?s)"
		}
		out = append(out, rtExpected{op: "matches regex", flags: flags, regex: parts, sel: s})
	}
	switch s.Match {
	case roundtrip.Regex:
		for _, v := range s.Values {
			p := v.Pattern
			if s.Flags != "" {
				p = "(?" + s.Flags + ")" + p
			}
			add("matches regex", p)
		}
		return out
	case roundtrip.Keyword:
		// A keyword is a substring: "*" at its ends adds nothing; other
		// wildcards make a case-insensitive expression where "*" spans
		// line breaks.
		for _, v := range s.Values {
			if text, ok := rtPlain(v.Parts); ok {
				add("contains", text)
			} else if _, text, ok := rtSimple(v.Parts); ok {
				add("contains", text)
			} else {
				out = append(out, rtExpected{op: "matches regex", flags: "(?is)", regex: rtSurround(v.Parts), sel: s})
			}
		}
		return out
	}
	meanings := make([][]ast.Part, len(s.Values))
	for i, v := range s.Values {
		meanings[i] = s.Meaning(v)
	}
	if len(meanings) == 1 || s.Cased {
		for _, m := range meanings {
			single(m, s.Cased)
		}
		return out
	}
	// An OR lists the plain values first, in one in~; under all, each is
	// an equality in its place.
	for _, m := range meanings {
		if text, ok := rtPlain(m); ok && !s.All {
			add("in~", text)
		}
	}
	for _, m := range meanings {
		if _, ok := rtPlain(m); ok {
			if s.All {
				single(m, false)
			}
			continue
		}
		single(m, false)
	}
	return out
}

func rtPlain(parts []ast.Part) (string, bool) {
	var b strings.Builder
	for _, p := range parts {
		if p.Kind != ast.Literal {
			return "", false
		}
		b.WriteString(p.Text)
	}
	return b.String(), true
}

// rtSimple recognises a value whose only wildcards are one "*" at the start
// and/or one at the end.
func rtSimple(parts []ast.Part) (op, text string, ok bool) {
	n := len(parts)
	star := func(i int) bool { return parts[i].Kind == ast.WildcardMulti }
	lit := func(i int) bool { return parts[i].Kind == ast.Literal }
	switch {
	case n == 1 && star(0):
		return "startswith", "", true
	case n == 2 && lit(0) && star(1):
		return "startswith", parts[0].Text, true
	case n == 2 && star(0) && lit(1):
		return "endswith", parts[1].Text, true
	case n == 3 && star(0) && lit(1) && star(2):
		return "contains", parts[1].Text, true
	}
	return "", "", false
}

// rtRegexParts reads a regular expression (RE2 syntax, as Kusto's) that must
// be a sequence of literal characters, ".*" and "." (under flag s, so that
// they match line breaks too), maybe anchored with "^" and "$", into
// parts: an end without its anchor is a "*".
func rtRegexParts(re string) ([]ast.Part, error) {
	x, err := syntax.Parse(re, syntax.Perl|syntax.DotNL)
	if err != nil {
		return nil, err
	}
	subs := []*syntax.Regexp{x}
	if x.Op == syntax.OpConcat {
		subs = x.Sub
	}
	out := []ast.Part{{Kind: ast.WildcardMulti}} // unless anchored by "^"
	for i, s := range subs {
		switch {
		case s.Op == syntax.OpBeginText && i == 0:
			out = out[:0]
		case s.Op == syntax.OpEndText && i == len(subs)-1:
			return out, nil
		case s.Op == syntax.OpLiteral && s.Flags&syntax.FoldCase == 0:
			if n := len(out); n > 0 && out[n-1].Kind == ast.Literal {
				out[n-1].Text += string(s.Rune)
			} else {
				out = append(out, ast.Part{Kind: ast.Literal, Text: string(s.Rune)})
			}
		case s.Op == syntax.OpStar && s.Sub[0].Op == syntax.OpAnyChar:
			out = append(out, ast.Part{Kind: ast.WildcardMulti})
		case s.Op == syntax.OpAnyChar:
			out = append(out, ast.Part{Kind: ast.WildcardSingle})
		case s.Op == syntax.OpEmptyMatch:
		default:
			return nil, fmt.Errorf("unexpected %s", s)
		}
	}
	return append(out, ast.Part{Kind: ast.WildcardMulti}), nil // not anchored by "$"
}

// rtSurround puts "*" around parts: a keyword matches anywhere.
func rtSurround(parts []ast.Part) []ast.Part {
	star := ast.Part{Kind: ast.WildcardMulti}
	return append(append([]ast.Part{star}, parts...), star)
}
