package ast

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestParseString checks Sigma's escaping rules, as the specification
// lists them.
func TestParseString(t *testing.T) {
	L := func(s string) Part { return Part{Kind: Literal, Text: s} }
	M := Part{Kind: WildcardMulti}
	S := Part{Kind: WildcardSingle}
	tests := []struct {
		in   string
		want []Part
	}{
		{`plain`, []Part{L("plain")}},
		{``, nil},
		{`*`, []Part{M}},
		{`who*ami`, []Part{L("who"), M, L("ami")}},
		{`who?mi`, []Part{L("who"), S, L("mi")}},
		{`foo\*bar`, []Part{L("foo*bar")}},            // escaped wildcard
		{`foo\?bar`, []Part{L("foo?bar")}},            //
		{`C:\Windows\`, []Part{L(`C:\Windows\`)}},     // plain and trailing backslash
		{`C:\\Windows`, []Part{L(`C:\Windows`)}},      // \\ is one backslash
		{`C:\\*`, []Part{L(`C:\`), M}},                // backslash then wildcard
		{`C:\\\*`, []Part{L(`C:\*`)}},                 // backslash then literal *
		{`C:\\\\foo`, []Part{L(`C:\\foo`)}},           // four are two
		{`a\\\\*`, []Part{L(`a\\`), M}},               //
		{`\x\y`, []Part{L(`\x\y`)}},                   // other escapes stay
		{`**`, []Part{M, M}},                          //
		{`say "hi"`, []Part{L(`say "hi"`)}},           //
		{`Ünïcødé*`, []Part{L("Ünïcødé"), M}},         //
		{"tab\there\nnl", []Part{L("tab\there\nnl")}}, //
	}
	for _, tt := range tests {
		got := ParseString(Pos{}, tt.in)
		if fmt.Sprint(got.Parts) != fmt.Sprint(tt.want) {
			t.Errorf("ParseString(%q) = %v, want %v", tt.in, got.Parts, tt.want)
		}
		// Source writes the value back so that it parses the same.
		back := ParseString(Pos{}, got.Source())
		if fmt.Sprint(back.Parts) != fmt.Sprint(got.Parts) {
			t.Errorf("ParseString(Source(%q)) = %v, want %v", tt.in, back.Parts, got.Parts)
		}
	}
}

func TestStringText(t *testing.T) {
	tests := map[string]string{
		`foo\*bar`:  `foo\*bar`,
		`C:\\*`:     `C:\*`,
		`who?mi`:    `who?mi`,
		`C:\Temp\`:  `C:\Temp\`,
		`a\\\\b`:    `a\\b`,
		`*a\*b\?c*`: `*a\*b\?c*`,
		`\*\?`:      `\*\?`,
	}
	for in, want := range tests {
		if got := ParseString(Pos{}, in).Text(); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStringAppendMerges(t *testing.T) {
	s := NewString(Pos{}, "a")
	s.Append(Part{Kind: Literal, Text: "b"})
	s.Prepend(Part{Kind: Literal, Text: "z"})
	s.Append(Part{Kind: WildcardMulti})
	s.Append(Part{Kind: Literal, Text: ""})
	if fmt.Sprint(s.Parts) != fmt.Sprint([]Part{{Kind: Literal, Text: "zab"}, {Kind: WildcardMulti}}) {
		t.Errorf("parts = %v", s.Parts)
	}
	if s.IsPlain() || !s.HasWildcards() || s.Plain() != "zab" {
		t.Errorf("IsPlain=%v HasWildcards=%v Plain=%q", s.IsPlain(), s.HasWildcards(), s.Plain())
	}
}

func TestErrorListSortAndPrint(t *testing.T) {
	var l ErrorList
	l.Add(Pos{Filename: "b.yml", Line: 2, Column: 1}, "second")
	l.Add(Pos{Filename: "a.yml", Line: 9, Column: 3}, "first")
	l.Add(Pos{Filename: "b.yml", Line: 2, Column: 1}, "second")
	l.Add(Pos{Filename: "c.yml"}, "no position")
	l.Sort()
	want := "a.yml:9:3: first (and 2 more errors)"
	if got := l.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if len(l) != 3 {
		t.Errorf("duplicates not removed: %v", l)
	}
	if got := l[2].Error(); got != "c.yml: no position" {
		t.Errorf("no position: %q", got)
	}
}

// parseStringReference is the straightforward reading of Sigma's escaping
// rules that ParseString implements with substrings.
func parseStringReference(s string) []Part {
	var parts []Part
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, Part{Kind: Literal, Text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\') {
				lit.WriteByte(s[i+1])
				i++
			} else {
				lit.WriteByte('\\')
			}
		case '*':
			flush()
			parts = append(parts, Part{Kind: WildcardMulti})
		case '?':
			flush()
			parts = append(parts, Part{Kind: WildcardSingle})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return parts
}

func checkParseString(t *testing.T, s string) {
	got, want := ParseString(Pos{}, s).Parts, parseStringReference(s)
	if len(got) != len(want) {
		t.Fatalf("ParseString(%q) = %v, want %v", s, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("ParseString(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestParseStringMatchesReference compares ParseString with the reference
// reading on every string of up to five characters over "a\*?".
func TestParseStringMatchesReference(t *testing.T) {
	var gen func(prefix string, n int)
	gen = func(prefix string, n int) {
		checkParseString(t, prefix)
		if n > 0 {
			for _, c := range []string{"a", `\`, "*", "?"} {
				gen(prefix+c, n-1)
			}
		}
	}
	gen("", 5)
}

// FuzzParseString compares ParseString with the reference reading.
func FuzzParseString(f *testing.F) {
	for _, s := range []string{`C:\Windows\*`, `\\*a?b\\`, `*\*\?*`} {
		f.Add(s)
	}
	f.Fuzz(checkParseString)
}

func TestExpandPlaceholders(t *testing.T) {
	s := ParseString(Pos{}, "a")
	s.Append(Part{Kind: Placeholder, Text: "x"})
	s.Append(Part{Kind: Literal, Text: "-"})
	s.Append(Part{Kind: Placeholder, Text: "y"})
	vals := map[string][]string{"x": {"1", "2*"}, "y": {"z"}}
	got, missing := s.ExpandPlaceholders(func(n string) ([]string, bool) { v, ok := vals[n]; return v, ok })
	if missing != "" || len(got) != 2 || got[0].Source() != "a1-z" || got[1].Source() != "a2*-z" || !slices.ContainsFunc(got[1].Parts, func(p Part) bool { return p.Kind == WildcardMulti }) {
		t.Fatalf("got %v, missing %q", got, missing)
	}
	if got, missing := s.ExpandPlaceholders(func(string) ([]string, bool) { return nil, false }); got != nil || missing != "x" {
		t.Errorf("without values: %v, %q", got, missing)
	}
}
