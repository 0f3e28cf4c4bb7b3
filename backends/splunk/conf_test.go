package splunk

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/backends"
)

// A confStanza is a stanza of a .conf file as Splunk reads it.
type confStanza struct {
	name   string
	keys   []string // in file order
	values map[string]string
}

// parseConf reads the syntax of Splunk's .conf files: "[name]" starts a
// stanza, "key = value" sets a key of the current stanza, a line ending in
// a backslash continues on the next line (the line break is kept), and
// blank lines and lines starting with "#" are ignored. Settings before the
// first stanza header, a line that is neither, and a key set twice in one
// stanza are errors.
func parseConf(text string) ([]*confStanza, error) {
	var out []*confStanza
	var cur *confStanza
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		n := i + 1
		// Join continued lines.
		for strings.HasSuffix(line, `\`) && i+1 < len(lines) {
			i++
			line = strings.TrimSuffix(line, `\`) + "\n" + lines[i]
		}
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "", strings.HasPrefix(trimmed, "#"):
		case strings.HasPrefix(trimmed, "["):
			if !strings.HasSuffix(trimmed, "]") || strings.Contains(trimmed, "\n") {
				return nil, fmt.Errorf("line %d: bad stanza header %q", n, line)
			}
			cur = &confStanza{name: trimmed[1 : len(trimmed)-1], values: map[string]string{}}
			out = append(out, cur)
		default:
			key, value, ok := strings.Cut(line, "=")
			if !ok {
				return nil, fmt.Errorf("line %d: neither a stanza header nor key = value: %q", n, line)
			}
			if cur == nil {
				return nil, fmt.Errorf("line %d: setting before the first stanza", n)
			}
			key = strings.TrimSpace(key)
			if strings.ContainsAny(key, " \n[]") || key == "" {
				return nil, fmt.Errorf("line %d: bad key %q", n, key)
			}
			if _, dup := cur.values[key]; dup {
				return nil, fmt.Errorf("line %d: key %s set twice in [%s]", n, key, cur.name)
			}
			cur.keys = append(cur.keys, key)
			cur.values[key] = strings.TrimSpace(value)
		}
	}
	return out, nil
}

// TestSavedSearchesSeed converts the seed rule into savedsearches.conf and
// reads the file back.
func TestSavedSearchesSeed(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "rules", "windows", "image_load", "image_load_dll_cmstp_susp_location.yml"))
	if err != nil {
		t.Fatal(err)
	}
	search, err := convert(t, string(src), FormatDefault, nil, "splunk_windows")
	if err != nil {
		t.Fatal(err)
	}
	conf, err := convert(t, string(src), FormatSavedSearches, nil, "splunk_windows")
	if err != nil {
		t.Fatal(err)
	}
	stanzas, err := parseConf(conf)
	if err != nil {
		t.Fatalf("%v\n%s", err, conf)
	}
	if len(stanzas) != 2 || stanzas[0].name != "default" {
		t.Fatalf("want [default] and one rule stanza, got %d stanzas:\n%s", len(stanzas), conf)
	}
	d := stanzas[0].values
	if d["dispatch.earliest_time"] != "-30d" || d["dispatch.latest_time"] != "now" {
		t.Errorf("[default] = %v", d)
	}
	s := stanzas[1]
	want := map[string]string{
		"description":    `Detects cmstp loading "dll" or "ocx" files from suspicious locations`,
		"search":         search,
		"enableSched":    "1",
		"cron_schedule":  "*/15 * * * *",
		"alert.severity": "5", // level high
		"counttype":      "number of events",
		"relation":       "greater than",
		"quantity":       "0",
	}
	if s.name != "DLL Loaded From Suspicious Location Via Cmspt.EXE" {
		t.Errorf("stanza name %q", s.name)
	}
	for k, v := range want {
		if s.values[k] != v {
			t.Errorf("%s = %q, want %q", k, s.values[k], v)
		}
	}
}

// TestSavedSearchesSyntax checks what could break the file: values of
// several lines, brackets in titles, a trailing backslash, titles used
// twice, options.
func TestSavedSearchesSyntax(t *testing.T) {
	src := `title: Odd [title]
description: |
    First line,
    second line ending in \
level: critical
logsource:
    product: windows
    category: process_creation
detection:
    sel:
        CommandLine|re: 'a.*b'
    alt:
        - CommandLine|re: c
        - Image|endswith: '\x.exe'
    condition: sel or alt
fields: [CommandLine]
---
title: Odd [title]
logsource:
    product: windows
    category: process_creation
detection:
    sel:
        Image|endswith: '\y.exe'
    condition: sel
`
	opts := backends.Options{"min_time": "-20m", "max_time": "-5m", "cron_schedule": "*/20 * * * *"}
	conf, err := convert(t, src, FormatSavedSearches, opts, "splunk_windows")
	if err != nil {
		t.Fatal(err)
	}
	stanzas, err := parseConf(conf)
	if err != nil {
		t.Fatalf("%v\n%s", err, conf)
	}
	var names []string
	for _, s := range stanzas {
		names = append(names, s.name)
	}
	if got, want := strings.Join(names, "|"), "default|Odd title|Odd title (2)"; got != want {
		t.Fatalf("stanzas %s, want %s:\n%s", got, want, conf)
	}
	if v := stanzas[0].values; v["dispatch.earliest_time"] != "-20m" || v["dispatch.latest_time"] != "-5m" {
		t.Errorf("[default] = %v", v)
	}
	first := stanzas[1].values
	// A backslash that ends the description would end its line, where the
	// Python parser (which strips trailing white space) continues into the
	// next setting: it is written \u005C.
	if got, want := first["description"], "First line, \nsecond line ending in \\u005C"; got != want {
		t.Errorf("description = %q, want %q", got, want)
	}
	search, err := convert(t, src[:strings.Index(src, "---")], FormatDefault, nil, "splunk_windows")
	if err != nil {
		t.Fatal(err)
	}
	search = strings.Replace(search, " | table", "\n| table", 1)
	if got := strings.ReplaceAll(first["search"], " \n", "\n"); got != search {
		t.Errorf("search =\n%s\nwant\n%s", got, search)
	}
	if first["cron_schedule"] != "*/20 * * * *" || first["alert.severity"] != "6" {
		t.Errorf("settings %v", first)
	}
	if _, ok := stanzas[2].values["alert.severity"]; ok {
		t.Errorf("a rule without level has no severity: %v", stanzas[2].values)
	}
}
