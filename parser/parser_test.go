package parser

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sigma2kql/sigma2kql/ast"
)

const fullRule = `title: Full Rule
id: 929a690e-bef0-4204-a928-ef5e620d6fcc
name: full_rule
related:
    - id: 08fbc97d-0a2f-491c-ae21-8ffcfd3174e9
      type: derived
taxonomy: sigma
status: test
description: |
    Two lines
    of description
license: DRL-1.1
author: Someone, Someone Else
references:
    - https://example.org/a
date: 2024-01-02
modified: 2024/03/04
tags:
    - attack.defense-evasion
    - attack.t1218.003
logsource:
    category: process_creation
    product: windows
    service: sysmon
    definition: needs Sysmon
    custom_key: kept
detection:
    selection:
        Image|endswith: '\cmstp.exe'
    condition: selection
fields:
    - CommandLine
falsepositives:
    - None
level: high
scope:
    - server
simulation:
    - type: atomic
      guid: 1234
`

func TestMetadata(t *testing.T) {
	f, err := ParseFile("full.yml", []byte(fullRule))
	if err != nil {
		t.Fatal(err)
	}
	r := f.Docs[0].(*ast.Rule)
	want := ast.Meta{
		Title:          "Full Rule",
		ID:             "929a690e-bef0-4204-a928-ef5e620d6fcc",
		Name:           "full_rule",
		Related:        []ast.Related{{ID: "08fbc97d-0a2f-491c-ae21-8ffcfd3174e9", Type: "derived"}},
		Taxonomy:       "sigma",
		Status:         "test",
		Description:    "Two lines\nof description\n",
		License:        "DRL-1.1",
		Author:         "Someone, Someone Else",
		References:     []string{"https://example.org/a"},
		Date:           "2024-01-02",
		Modified:       "2024-03-04",
		FalsePositives: []string{"None"},
		Level:          "high",
		Tags:           []string{"attack.defense-evasion", "attack.t1218.003"},
		Scope:          []string{"server"},
		Fields:         []string{"CommandLine"},
		Custom: []ast.Attribute{{Key: "simulation", Pos: ast.Pos{Filename: "full.yml", Line: 38, Column: 1},
			Value: []any{[]ast.Attribute{
				{Key: "type", Value: "atomic", Pos: ast.Pos{Filename: "full.yml", Line: 39, Column: 7}},
				{Key: "guid", Value: int64(1234), Pos: ast.Pos{Filename: "full.yml", Line: 40, Column: 7}},
			}}}},
	}
	if diff := cmp.Diff(want, r.Meta, cmpopts.IgnoreFields(ast.Meta{}, "KeyPos")); diff != "" {
		t.Errorf("metadata (-want +got):\n%s", diff)
	}
	ls := r.Logsource
	if ls.Category != "process_creation" || ls.Product != "windows" || ls.Service != "sysmon" || ls.Definition != "needs Sysmon" ||
		len(ls.Custom) != 1 || ls.Custom[0].Key != "custom_key" {
		t.Errorf("logsource = %+v", ls)
	}
	if got := r.KeyPos["level"]; got != (ast.Pos{Filename: "full.yml", Line: 35, Column: 1}) {
		t.Errorf("position of level = %v", got)
	}
}

func TestMetadataErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"logsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n", `e.yml:1:1: rule has no title: every Sigma rule needs 'title'`},
		{"title: t\ndetection: {s: {A: a}, condition: s}\n", `e.yml:1:1: rule "t" has no logsource: expected e.g. 'logsource: {product: windows, category: process_creation}'`},
		{"title: t\nlogsource: {category: c}\n", `e.yml:1:1: rule "t" has no detection`},
		{"title: t\nlogsource: {category: c}\ndetection: {s: {A: a}}\n", `e.yml:3:12: detection has no condition: expected e.g. 'condition: selection'`},
		{"title: t\nlogsource: {category: c}\ndetection: {condition: s}\n", `e.yml:3:12: detection has no search identifier: expected e.g. 'selection: {Image|endswith: \cmd.exe}'`},
		{"title: t\nid: 1234\nlogsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n", `e.yml:2:5: id "1234" is not a UUID: expected the form 929a690e-bef0-4204-a928-ef5e620d6fcc`},
		{"title: t\nstatus: stabel\nlogsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n", `e.yml:2:9: invalid status 'stabel': expected one of stable, test, experimental, deprecated, unsupported; did you mean 'stable'?`},
		{"title: t\nlevel: hihg\nlogsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n", `e.yml:2:8: invalid level 'hihg': expected one of informational, low, medium, high, critical; did you mean 'high'?`},
		{"title: t\ndate: 01-02-2024\nlogsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n", `e.yml:2:7: date "01-02-2024" is not a date: expected YYYY-MM-DD`},
		{"title: t\ntags: [attack]\nlogsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n", `e.yml:2:8: tag "attack" has no namespace: expected 'namespace.name', e.g. 'attack.t1218'`},
		{"title: t\nrelated: [{id: 929a690e-bef0-4204-a928-ef5e620d6fcc, type: obsoletes}]\nlogsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n", `e.yml:2:60: invalid related type 'obsoletes': expected one of derived, obsolete, merged, renamed, similar; did you mean 'obsolete'?`},
		{"title: t\nrelated: [{id: x, type: derived}]\nlogsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n", `e.yml:2:16: related id "x" is not a UUID: expected the id of the related rule, e.g. 929a690e-bef0-4204-a928-ef5e620d6fcc`},
		{"title: t\ndate: 2023-02-29\nlogsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n", `e.yml:2:7: date "2023-02-29" is not a date: February 2023 has 28 days`},
		{"title: t\nmodified: 2024-04-31\nlogsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n", `e.yml:2:11: modified "2024-04-31" is not a date: April 2024 has 30 days`},
		{"title: t\nreferences: https://example.com/a\nlogsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n", `e.yml:2:13: references must be a list of strings, found the single value "https://example.com/a": write it as a list item, "- https://example.com/a", on the next line`},
		{"title: t\nfalsepositives: Unknown\nlogsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n", `e.yml:2:17: falsepositives must be a list of strings, found the single value "Unknown": write it as a list item, "- Unknown", on the next line`},
		{"title: t\ntags: attack.execution\nlogsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n", `e.yml:2:7: tags must be a list of strings, found the single value "attack.execution": write it as a list item, "- attack.execution", on the next line`},
		{"title: t\nfields: CommandLine\nlogsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n", `e.yml:2:9: fields must be a list of strings, found the single value "CommandLine": write it as a list item, "- CommandLine", on the next line`},
		{"title: t\nscope: server\nlogsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n", `e.yml:2:8: scope must be a list of strings, found the single value "server": write it as a list item, "- server", on the next line`},
		{"title: [t]\nlogsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n", `e.yml:1:8: title must be a string, found a list`},
		{"title: t\nlogsource: windows\ndetection: {s: {A: a}, condition: s}\n", `e.yml:2:12: logsource must be a mapping with category, product or service, found the string "windows"`},
		{"title: t\nlogsource: {category: c}\ndetection: {s: {}, condition: s}\n", `e.yml:3:16: empty search map: expected field: value items`},
		{"title: t\nlogsource: {category: c}\ndetection: {s: {A: a, A: b}, condition: s}\n", `e.yml:3:23: duplicate field "A" in the same search map`},
		{"title: t\ntitle: u\nlogsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n", `e.yml:2:1: duplicate key "title"`},
		{"- a\n- b\n", `e.yml:1:1: a Sigma document must be a YAML mapping of keys (title, logsource, detection, ...), found a list`},
		{"", `e.yml: no Sigma rule in file: expected a YAML document with title, logsource and detection`},
		{"title: t\n  bad: indent\n", `e.yml:2:3: invalid YAML: mapping values are not allowed in this context`},
		{"title: 'a\xffb'\n", `e.yml:1:10: file is not valid UTF-8 text`},
		{"action: global\nlogsource: {category: c}\n---\naction: frobnicate\n", `e.yml:4:9: unknown collection action "frobnicate": expected global, reset or repeat`},
	}
	for _, tt := range tests {
		_, err := ParseFile("e.yml", []byte(tt.src))
		if err == nil {
			t.Errorf("%q: no error", tt.src)
			continue
		}
		if got := strings.Split(err.Error(), " (and ")[0]; got != tt.want {
			t.Errorf("%q:\n got  %s\n want %s", tt.src, got, tt.want)
		}
	}
}

// TestMetadataLenient: forms that YAML or the specification allow and
// that are read without an error: an empty related key, and a date given
// as a plain YAML timestamp with a time of day (its date is kept). A quoted
// date with a time is not a date.
func TestMetadataLenient(t *testing.T) {
	const body = "logsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n"
	tests := []struct{ meta, date string }{
		{"related:\n", ""},
		{"date: 2022-01-01 10:00:00\n", "2022-01-01"},
		{"date: 2022-1-5T10:00:00.25Z\nmodified: 2023-02-01 08:30:00 +02:00\n", "2022-01-05"},
	}
	for _, tt := range tests {
		f, err := ParseFile("m.yml", []byte("title: t\n"+tt.meta+body))
		if err != nil {
			t.Errorf("%q: %v", tt.meta, err)
			continue
		}
		r := f.Docs[0].(*ast.Rule)
		if r.Date != tt.date || r.Related != nil {
			t.Errorf("%q: date %q, related %v; want date %q", tt.meta, r.Date, r.Related, tt.date)
		}
	}
	// An unquoted ": " makes a false positive or a reference a mapping;
	// it is read as the text it was written as.
	f, err := ParseFile("m.yml", []byte("title: t\nfalsepositives:\n  - Tuning tip: allow-list it\n  - plain\nreferences:\n  - see: https://example.com/a\n"+body))
	if err != nil {
		t.Fatal(err)
	}
	r := f.Docs[0].(*ast.Rule)
	if diff := cmp.Diff([]string{"Tuning tip: allow-list it", "plain"}, r.FalsePositives); diff != "" {
		t.Errorf("falsepositives (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"see: https://example.com/a"}, r.References); diff != "" {
		t.Errorf("references (-want +got):\n%s", diff)
	}
	for src, want := range map[string]string{
		"falsepositives:\n  - a: {b: c}\n": "m.yml:3:5: each entry of falsepositives must be a string, found a mapping",
		"tags:\n  - attack: t1059\n":       "m.yml:3:5: each entry of tags must be a string, found a mapping",
	} {
		_, err = ParseFile("m.yml", []byte("title: t\n"+src+body))
		if err == nil || err.Error() != want {
			t.Errorf("%q: %v; want %s", src, err, want)
		}
	}

	_, err = ParseFile("m.yml", []byte("title: t\ndate: '2022-01-01 10:00:00'\n"+body))
	if err == nil || !strings.Contains(err.Error(), `m.yml:2:7: date "2022-01-01 10:00:00" is not a date`) {
		t.Errorf("quoted date with a time: %v", err)
	}
}

// TestAllErrorsReported checks that the errors of a rule are all reported,
// sorted by position.
func TestAllErrorsReported(t *testing.T) {
	src := "title: t\nstatus: nope\nlogsource: {category: c}\ndetection:\n    s:\n        A|foo: a\n        B|re: '('\n    condition: s and missing\nlevel: nope\n"
	_, err := ParseFile("e.yml", []byte(src))
	list, ok := err.(ast.ErrorList)
	if !ok {
		t.Fatalf("err = %v, want an ErrorList", err)
	}
	var lines []int
	for _, e := range list {
		lines = append(lines, e.Pos.Line)
	}
	if diff := cmp.Diff([]int{2, 6, 7, 8, 9}, lines); diff != "" {
		t.Errorf("error lines (-want +got):\n%s\n%v", diff, err)
	}
}

func TestCollectionActions(t *testing.T) {
	src := `action: global
title: Whoami
logsource:
    category: process_creation
detection:
    sel_img:
        Image|endswith: '\whoami.exe'
    condition: sel_img and sel
---
detection:
    sel:
        CommandLine|contains: '/all'
---
detection:
    sel:
        CommandLine|contains: '/priv'
---
action: repeat
title: Whoami repeated
---
action: reset
---
title: Alone
logsource:
    category: process_creation
detection:
    sel:
        CommandLine: x
    condition: sel
`
	f, err := ParseFile("c.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range f.Docs {
		r := d.(*ast.Rule)
		var vals []string
		for _, s := range r.Detection.Searches {
			ast.FieldMatches(s.Body, func(fm *ast.FieldMatch) { vals = append(vals, s.Name+"="+fm.Values[0].(*ast.String).Text()) })
		}
		got = append(got, r.Title+": "+strings.Join(vals, " "))
	}
	want := []string{
		`Whoami: sel_img=*\whoami.exe sel=*/all*`,
		`Whoami: sel_img=*\whoami.exe sel=*/priv*`,
		`Whoami repeated: sel_img=*\whoami.exe sel=*/priv*`,
		`Alone: sel=x`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("documents (-want +got):\n%s", diff)
	}
}

// TestBadDocumentKeepsOthers checks that one bad document of a file does
// not hide the good ones.
func TestBadDocumentKeepsOthers(t *testing.T) {
	src := "title: good\nlogsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n---\ntitle: bad\nlogsource: {category: c}\ndetection: {s: {A|x: a}, condition: s}\n"
	f, err := ParseFile("two.yml", []byte(src))
	if err == nil || len(f.Docs) != 1 || f.Docs[0].(*ast.Rule).Title != "good" {
		t.Errorf("docs = %d, err = %v; want the good rule and an error", len(f.Docs), err)
	}
}

func TestScalarResolution(t *testing.T) {
	tests := []struct{ in, want string }{
		{"42", "n:42"}, {"-7", "n:-7"}, {"+7", "n:7"}, {"0x1F", "n:31"}, {"0b101", "n:5"}, {"017", "n:15"},
		{"1_000", "n:1000"}, {"1:30", "n:90"}, {"3.0", "n:3.0"}, {"1.5e+3", "n:1500.0"}, {"1.", "n:1.0"},
		{"1e3", "s:1e3"}, {"1.0e+20", "n:1e+20"}, {"1.0e20", "s:1.0e20"}, {"0.0001", "n:0.0001"}, {"0.00001", "n:1e-05"},
		{"yes", "b:true"}, {"Off", "b:false"}, {"TRUE", "b:true"}, {"null", "null"}, {"~", "null"},
		{"'42'", "s:42"}, {`"yes"`, "s:yes"}, {"!!str 42", "s:42"}, {"2024-01-01", "s:2024-01-01"},
		{"nan_value", "s:nan_value"}, {".inf", "n:inf"},
	}
	for _, tt := range tests {
		fm, err := parseItem(t, "F: "+tt.in)
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if got := show(fm.Values[0]); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.in, got, tt.want)
		}
	}
}

// TestKeywordsAndLists checks the shapes of searches: a list of values is
// a keyword search, a list of maps an AnyOf, a "|mod" key a keyword with
// modifiers.
func TestKeywordsAndLists(t *testing.T) {
	src := "title: t\nlogsource: {category: c}\ndetection:\n    kw: [a, b]\n    kwall:\n        '|all': [a, b]\n    maps:\n        - A: a\n        - B: b\n    condition: kw or kwall or maps\n"
	f, err := ParseFile("k.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	d := f.Docs[0].(*ast.Rule).Detection
	if fm, ok := d.Searches[0].Body.(*ast.FieldMatch); !ok || fm.Field != "" || len(fm.Values) != 2 {
		t.Errorf("kw = %#v, want a keyword match of two values", d.Searches[0].Body)
	}
	if m, ok := d.Searches[1].Body.(*ast.AllOf); !ok || m.Items[0].(*ast.FieldMatch).Field != "" || !m.Items[0].(*ast.FieldMatch).All {
		t.Errorf("kwall = %#v, want a keyword match with all", d.Searches[1].Body)
	}
	if m, ok := d.Searches[2].Body.(*ast.AnyOf); !ok || len(m.Items) != 2 {
		t.Errorf("maps = %#v, want an AnyOf of two maps", d.Searches[2].Body)
	}
}

func TestPyFloat(t *testing.T) {
	tests := map[float64]string{0: "0.0", 1: "1.0", 4.5: "4.5", 1234567.0: "1234567.0", 1e16: "1e+16", 1e15: "1000000000000000.0", 0.1: "0.1", 1.5e-5: "1.5e-05", -2.25: "-2.25"}
	for f, want := range tests {
		if got := pyFloat(f); got != want {
			t.Errorf("pyFloat(%v) = %s, want %s", f, got, want)
		}
	}
}

// TestMergeKeys checks YAML merge keys, which PyYAML applies: merged pairs
// first, the mapping's own keys override them, and of a list of merged
// mappings the earlier one wins.
func TestMergeKeys(t *testing.T) {
	src := `title: t
logsource: {category: c}
detection:
    base: &base
        A: a
        B: b
    other: &other
        B: other
        C: c
    sel1:
        <<: *base
        B: own
        D: d
    sel2:
        <<: [*other, *base]
    condition: sel1 and sel2
`
	f, err := ParseFile("merge.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range f.Docs[0].(*ast.Rule).Detection.Searches {
		var items []string
		for _, it := range s.Body.(*ast.AllOf).Items {
			fm := it.(*ast.FieldMatch)
			items = append(items, fm.Field+"="+show(fm.Values[0]))
		}
		got[s.Name] = strings.Join(items, " ")
	}
	want := map[string]string{
		"base":  "A=s:a B=s:b",
		"other": "B=s:other C=s:c",
		"sel1":  "A=s:a B=s:own D=s:d",
		"sel2":  "A=s:a B=s:other C=s:c",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("searches (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"<<: 5", "<<: [5]"} {
		src := "title: t\nlogsource: {category: c}\ndetection:\n    sel:\n        " + bad + "\n        A: a\n    condition: sel\n"
		if _, err := ParseFile("bad.yml", []byte(src)); err == nil || !strings.Contains(err.Error(), "merge key") {
			t.Errorf("%s: err = %v, want a merge key error", bad, err)
		}
	}
}

// TestLenientMetadata checks spellings that the reference accepts: levels
// and statuses in any case, dates with one-digit months and days.
func TestLenientMetadata(t *testing.T) {
	src := "title: t\nstatus: Experimental\nlevel: HIGH\ndate: 2023-1-5\nmodified: 2024/3/04\nlogsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n"
	f, err := ParseFile("m.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	r := f.Docs[0].(*ast.Rule)
	got := []string{r.Status, r.Level, r.Date, r.Modified}
	want := []string{"experimental", "high", "2023-01-05", "2024-03-04"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("status, level, date, modified (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"date: 2023-13-01", "date: 2023-1/5", "date: 2023-001-01", "level: severe"} {
		src := "title: t\n" + bad + "\nlogsource: {category: c}\ndetection: {s: {A: a}, condition: s}\n"
		if _, err := ParseFile("bad.yml", []byte(src)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}
