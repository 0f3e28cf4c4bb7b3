package splunk

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/hostile"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// hostileRule parses generated rule i and applies a built-in pipeline.
func hostileRule(t *testing.T, i int, src []byte, pipe string) (*ast.Rule, *pipeline.Result) {
	t.Helper()
	f, err := parser.ParseFile(fmt.Sprintf("hostile%d.yml", i), src)
	if err != nil {
		t.Fatalf("rule %d does not parse: %v\n%s", i, err, src)
	}
	r := f.Docs[0].(*ast.Rule)
	res, err := pipeline.Apply([]*pipeline.Pipeline{pipeline.Builtin(pipe)}, r, pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r, res
}

// badFieldName reports whether a field name cannot be written in SPL: it
// holds a backtick or a control character.
func badFieldName(fields []string) bool {
	return slices.ContainsFunc(fields, func(f string) bool {
		return strings.ContainsFunc(f, func(r rune) bool { return r == '`' || unicode.IsControl(r) || r == 0x2028 || r == 0x2029 })
	})
}

// TestHostileSPL converts every generated rule to a plain search and a
// tstats search: no subsearch or macro but the backend's own, and the
// table command lists exactly the rule's fields. A field that SPL cannot
// hold (a backtick, a control character) is an error at the rule's fields.
func TestHostileSPL(t *testing.T) {
	b := New(nil)
	dm := regexp.MustCompile("`drop_dm_object_name\\([A-Za-z_.]+\\)`")
	for i, g := range hostile.Rules(len(hostile.Values)) {
		r, res := hostileRule(t, i, g.Source, "splunk_windows")
		qs, err := b.Convert(res, FormatDefault)
		if badFieldName(r.Fields) {
			if err == nil || !strings.Contains(err.Error(), "which SPL cannot hold in a field name") {
				t.Errorf("rule %d: fields %q: error %v, want the field refused", i, r.Fields, err)
			}
			continue
		}
		if err != nil || len(qs) != 1 {
			t.Fatalf("rule %d: %v %v", i, qs, err)
		}
		if err := hostile.CheckSPL(qs[0]); err != nil {
			t.Errorf("rule %d: %v", i, err)
		}
		if got, err := hostile.TableFields(qs[0]); err != nil || !slices.Equal(got, r.Fields) {
			t.Errorf("rule %d: table fields %q (%v), want %q\n%s", i, got, err, r.Fields, qs[0])
		}
		_, cim := hostileRule(t, i, g.Source, "splunk_cim")
		dms, err := b.Convert(cim, FormatDataModel)
		if err != nil || len(dms) != 1 {
			t.Fatalf("rule %d: data_model: %v %v", i, dms, err)
		}
		if err := hostile.CheckSPL(dms[0], dm.FindString(dms[0])); err != nil {
			t.Errorf("rule %d: data_model: %v", i, err)
		}
	}
}

// confSettings are the settings of a rule's stanza.
var confSettings = []string{"description", "search", "cron_schedule", "enableSched", "alert.severity", "alert.track", "counttype", "relation", "quantity"}

// TestHostileSavedSearches converts every generated rule to
// savedsearches.conf and reads it with splunkd's and the Python parser's
// line rules: two stanzas ([default] and the rule's, whose name is not
// reserved), the settings of the format and no other, the description and
// the table fields exactly the rule's. All rules in one file, with titles
// that collide, give one stanza each.
func TestHostileSavedSearches(t *testing.T) {
	b := New(nil)
	var all []string
	for i, g := range hostile.Rules(len(hostile.Values)) {
		r, res := hostileRule(t, i, g.Source, "splunk_windows")
		qs, err := b.Convert(res, FormatSavedSearches)
		if badFieldName(r.Fields) {
			if err == nil {
				t.Errorf("rule %d: fields %q converted", i, r.Fields)
			}
			continue
		}
		if err != nil {
			t.Fatalf("rule %d: %v", i, err)
		}
		all = append(all, qs...)
		checkConf(t, r, b.Assemble(FormatSavedSearches, qs))
	}
	// Titles that collide, with each other and with [default].
	for _, title := range []string{"default", "Dup", "Dup", "Dup (2)", "dup", "DEFAULT"} {
		src := "title: " + title + "\nlogsource: {product: windows, category: process_creation}\ndetection:\n    s:\n        CommandLine: probe\n    condition: s\n"
		_, res := hostileRule(t, 0, []byte(src), "splunk_windows")
		qs, err := b.Convert(res, FormatSavedSearches)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, qs...)
	}
	text := b.Assemble(FormatSavedSearches, all)
	for _, reader := range []hostile.ConfReader{hostile.Splunkd, hostile.Python} {
		stanzas, err := reader.Read(text)
		if err != nil {
			t.Fatalf("%s: all rules: %v", reader, err)
		}
		seen := map[string]bool{}
		for i, s := range stanzas {
			name := strings.ToLower(s.Name)
			if seen[name] || i > 0 && name == "default" {
				t.Errorf("%s: stanza [%s] twice or reserved", reader, s.Name)
			}
			seen[name] = true
		}
		if len(stanzas) != len(all)+1 {
			t.Errorf("%s: %d stanzas for %d searches and [default]", reader, len(stanzas), len(all))
		}
	}
	for _, want := range []string{"[Dup]", "[Dup (2)]", "[Dup (2) (2)]", "[dup (3)]", "[default (2)]", "[DEFAULT (3)]"} {
		if !strings.Contains(text, "\n"+want+"\n") {
			t.Errorf("no stanza %s", want)
		}
	}
}

// checkConf reads the savedsearches.conf of one rule with both readers.
func checkConf(t *testing.T, r *ast.Rule, text string) {
	t.Helper()
	if i := strings.IndexFunc(text, func(c rune) bool { return c != '\n' && unicode.IsControl(c) || c == 0x2028 || c == 0x2029 }); i >= 0 {
		t.Errorf("rule %q: the file holds %U", r.Title, []rune(text[i:])[0])
	}
	var descs []string
	for _, reader := range []hostile.ConfReader{hostile.Splunkd, hostile.Python} {
		stanzas, err := reader.Read(text)
		if err != nil || len(stanzas) != 2 || stanzas[0].Name != "default" {
			t.Errorf("rule %q: %s: %d stanzas, %v\n%s", r.Title, reader, len(stanzas), err, text)
			continue
		}
		s := stanzas[1]
		if strings.EqualFold(s.Name, "default") || strings.ContainsAny(s.Name, "[]") || s.Name == "" {
			t.Errorf("rule %q: %s: stanza name %q", r.Title, reader, s.Name)
		}
		for _, k := range s.Keys {
			if !slices.Contains(confSettings, k) {
				t.Errorf("rule %q: %s: extra setting %q\n%s", r.Title, reader, k, text)
			}
		}
		fields, err := hostile.TableFields(s.Values["search"])
		if err != nil || !slices.Equal(fields, r.Fields) {
			t.Errorf("rule %q: %s: table fields %q (%v), want %q", r.Title, reader, fields, err, r.Fields)
		}
		if err := hostile.CheckSPL(s.Values["search"]); err != nil {
			t.Errorf("rule %q: %s: %v", r.Title, reader, err)
		}
		// The Python parser may continue a value that ends in a backslash
		// into the guard comment that follows it, never further.
		d, _ := strings.CutSuffix(s.Values["description"], "\n# (the setting above ends with a backslash)")
		descs = append(descs, strings.TrimRightFunc(d, unicode.IsSpace))
	}
	if len(descs) == 2 {
		if descs[0] != descs[1] {
			t.Errorf("rule %q: splunkd reads the description %q, Python %q", r.Title, descs[0], descs[1])
		}
		got := hostile.Unescape(strings.ReplaceAll(descs[0], " \n", "\n"))
		if want := confDescription(r.Description); got != want {
			t.Errorf("rule %q: description reads as %q, want %q\n%s", r.Title, got, want, text)
		}
	}
}

// confDescription is a description as a .conf value holds it: its lines
// split at every line break of either reader (CR LF counted once), the
// white space at both ends dropped.
func confDescription(d string) string {
	d = strings.ReplaceAll(d, "\r\n", "\n")
	d = strings.Map(func(r rune) rune {
		if strings.ContainsRune("\r\v\f\x1c\x1d\x1e\u0085\u2028\u2029", r) {
			return '\n'
		}
		return r
	}, d)
	return strings.TrimSpace(d)
}

// TestConfSearchEndingInBackslash checks the guard after a search whose
// last line ends in a backslash: splunkd reads the search, the Python
// parser (which strips the guard space) continues into the guard comment,
// and neither loses the settings that follow.
func TestConfSearchEndingInBackslash(t *testing.T) {
	b := New(nil)
	st, err := b.stanza(&ast.Meta{Title: "t", Description: "d"}, ast.Pos{}, []string{`CommandLine="x"`, `| eval a=b\`})
	if err != nil {
		t.Fatal(err)
	}
	for _, reader := range []hostile.ConfReader{hostile.Splunkd, hostile.Python} {
		stanzas, err := reader.Read(b.Assemble(FormatSavedSearches, []string{st}))
		if err != nil || len(stanzas) != 2 {
			t.Fatalf("%s: %v %v", reader, stanzas, err)
		}
		v := stanzas[1].Values
		if v["cron_schedule"] != defaultSchedule || v["enableSched"] != "1" || !strings.HasPrefix(v["search"], "CommandLine=\"x\" \n| eval a=b") {
			t.Errorf("%s: settings %q", reader, v)
		}
	}
}
