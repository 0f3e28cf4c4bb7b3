package kql

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

func TestQuote(t *testing.T) {
	tests := map[string]string{
		`plain`:            `"plain"`,
		`C:\Windows\`:      `"C:\\Windows\\"`,
		`say "hi"`:         `"say \"hi\""`,
		"tab\tnl\ncr\r":    `"tab\tnl\ncr\r"`,
		"nul\x00bell\x07":  `"nul\u0000bell\u0007"`,
		"sep\u2028":        `"sep\u2028"`,
		`it's`:             `"it's"`,
		"Ünïcødé":          `"Ünïcødé"`,
		"nel\u0085del\x7f": `"nel\u0085del\u007f"`,
		"bad\xffbyte":      "\"bad\uFFFDbyte\"", // invalid UTF-8: the replacement character
	}
	for in, want := range tests {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestQuoteName(t *testing.T) {
	tests := map[string]string{
		"FolderPath":   "FolderPath",
		"_x1":          "_x1",
		"Command Line": "['Command Line']",
		"a.b":          "['a.b']",
		"e'f":          `['e\'f']`,
		"1st":          "['1st']",
		"and":          "['and']",
	}
	for in, want := range tests {
		if got := quoteName(in); got != want {
			t.Errorf("quoteName(%q) = %s, want %s", in, got, want)
		}
	}
}

// convert converts a process_creation rule with the given detection lines
// through microsoft_xdr and returns the where clause.
func convert(t *testing.T, detection string) string {
	t.Helper()
	src := "title: t\nlogsource:\n    product: windows\n    category: process_creation\ndetection:\n" + detection
	f, err := parser.ParseFile("t.yml", []byte(src))
	if err != nil {
		t.Fatalf("%s: %v", detection, err)
	}
	res, err := pipeline.Apply([]*pipeline.Pipeline{pipeline.Builtin("microsoft_xdr")}, f.Docs[0].(*ast.Rule), pipeline.Options{})
	if err != nil {
		t.Fatalf("%s: %v", detection, err)
	}
	qs, err := New(nil).Convert(res, "default")
	if err != nil {
		return "error: " + err.Error()
	}
	out := strings.Join(qs, "\n\n")
	return strings.TrimPrefix(out, "DeviceProcessEvents\n| where ")
}

// TestPrint pins the printer's rendering of each construct, in the
// reference's form where that is valid KQL.
func TestPrint(t *testing.T) {
	tests := []struct{ det, want string }{
		{"  s:\n    CommandLine: 'whoami'\n  condition: s", `ProcessCommandLine =~ "whoami"`},
		{"  s:\n    CommandLine: 'who*ami'\n  condition: s", `ProcessCommandLine matches regex "(?is)^who.*ami$"`},
		{"  s:\n    CommandLine|cased: 'who*ami'\n  condition: s", `ProcessCommandLine matches regex "(?s)^who.*ami$"`},
		{"  s:\n    CommandLine|endswith: 'who?mi'\n  condition: s", `ProcessCommandLine matches regex "(?is)who.mi$"`},
		{"  s:\n    CommandLine|startswith: 'who*ami'\n  condition: s", `ProcessCommandLine matches regex "(?is)^who.*ami"`},
		{"  s:\n    CommandLine|all: ['a*b', 'c?']\n  condition: not s", `not((ProcessCommandLine matches regex "(?is)^a.*b$" and ProcessCommandLine matches regex "(?is)^c.$"))`},
		{"  s:\n    CommandLine: 'who?mi'\n  condition: s", `ProcessCommandLine matches regex "(?is)^who.mi$"`},
		{"  s:\n    CommandLine: '*'\n  condition: s", `ProcessCommandLine startswith ""`},
		{"  s:\n    CommandLine: 'C:\\Win*\\sys.exe (x86)+[1]'\n  condition: s", `ProcessCommandLine matches regex "(?is)^C:\\\\Win.*\\\\sys\\.exe \\(x86\\)\\+\\[1\\]$"`},
		{"  s:\n    CommandLine: 'foo\\*bar'\n  condition: s", `ProcessCommandLine =~ "foo*bar"`},
		{"  s:\n    CommandLine: ['a', 'b']\n  condition: s", `ProcessCommandLine in~ ("a", "b")`},
		{"  s:\n    CommandLine|all: ['a', 'b']\n  condition: s", `ProcessCommandLine =~ "a" and ProcessCommandLine =~ "b"`},
		{"  s:\n    CommandLine|startswith: 'a'\n    CommandLine|cased: 'B'\n    CommandLine: 'c'\n  condition: s", `ProcessCommandLine startswith "a" and ProcessCommandLine == "B" and ProcessCommandLine =~ "c"`},
		{"  s:\n    CommandLine|contains|all: ['a', 'b']\n  condition: s", `ProcessCommandLine contains "a" and ProcessCommandLine contains "b"`},
		{"  s:\n    CommandLine: ['x', 'h*', '*n*', 'a*b']\n  condition: s", `ProcessCommandLine in~ ("x") or ProcessCommandLine startswith "h" or ProcessCommandLine contains "n" or ProcessCommandLine matches regex "(?is)^a.*b$"`},
		{"  s:\n    CommandLine|contains: ['who*ami', 'x']\n  condition: s", `ProcessCommandLine matches regex "(?is)who.*ami" or ProcessCommandLine contains "x"`},
		{"  s:\n    CommandLine: null\n  condition: s", `isempty(ProcessCommandLine)`},
		{"  s:\n    CommandLine: ['', null]\n  condition: s", `ProcessCommandLine =~ "" or isempty(ProcessCommandLine)`},
		{"  s:\n    ProcessId: null\n  condition: s", `isnull(ProcessId)`},
		{"  s:\n    CommandLine|exists: true\n  condition: s", `isnotempty(ProcessCommandLine)`},
		{"  s:\n    ProcessId: 4\n  condition: s", `ProcessId == 4`},
		{"  s:\n    ProcessId: [4, '8']\n  condition: s", `ProcessId in (4, 8)`},
		{"  s:\n    ProcessId|gt: 100\n  condition: s", `ProcessId > 100`},
		// Under not, a test that may be null counts as false, as in Sigma.
		{"  s:\n    ProcessId|gt: 100\n  f:\n    CommandLine: x\n  condition: not (s or f)", `not(coalesce(ProcessId > 100 or ProcessCommandLine =~ "x", false))`},
		{"  s:\n    CommandLine: x\n  condition: not s", `not(ProcessCommandLine =~ "x")`},
		{"  s:\n    CommandLine|re|i: 'a.b'\n  condition: s", `ProcessCommandLine matches regex "(?i)a.b"`},
		{"  s:\n    CommandLine|neq: ['a', 'b']\n  condition: s", `not((ProcessCommandLine in~ ("a", "b")))`},
		{"  s:\n    CommandLine|windash: '-x'\n  condition: s", `ProcessCommandLine in~ ("-x", "/x", "–x", "—x", "―x")`},
		{"  s:\n    Image|endswith: '\\a.exe'\n  f:\n    CommandLine|contains|windash: ' -n'\n  condition: s and not f", `FolderPath endswith "\\a.exe" and (not(ProcessCommandLine contains " -n" or ProcessCommandLine contains " /n" or ProcessCommandLine contains " –n" or ProcessCommandLine contains " —n" or ProcessCommandLine contains " ―n"))`},
		{"  a:\n    CommandLine|contains: 'a'\n  b:\n    CommandLine|contains: 'b'\n  c:\n    CommandLine|contains: 'c'\n  condition: a or b and not c", `ProcessCommandLine contains "a" or (ProcessCommandLine contains "b" and (not(ProcessCommandLine contains "c")))`},
		{"  a:\n    CommandLine|contains: 'a'\n  b:\n    CommandLine|contains: 'b'\n  condition: not (a or b)", `not((ProcessCommandLine contains "a" or ProcessCommandLine contains "b"))`},
		{"  a:\n    - CommandLine|contains: 'a'\n    - Image|endswith: 'b'\n  condition: a", `ProcessCommandLine contains "a" or FolderPath endswith "b"`},
		{"  s:\n    CommandLine|fieldref: ParentCommandLine\n  condition: s", `ProcessCommandLine =~ InitiatingProcessCommandLine`},
		{"  s:\n    CommandLine|cased: 'AbC'\n  condition: s", `ProcessCommandLine == "AbC"`},
		{"  s:\n    CommandLine|expand: '%Admins%'\n  condition: s", `error: t.yml:7:26: placeholder %Admins% has no value: give one with --placeholder NAME=value,... or a pipeline's vars`},
		{"  kw:\n    - 'mimikatz'\n  condition: kw", `* contains "mimikatz"`},
		// A keyword is a substring search: "*" at the ends adds nothing,
		// and wildcards inside stay case-insensitive.
		{"  kw:\n    - 'sekurlsa::*'\n    - '*Ab'\n  condition: kw", `* contains "sekurlsa::" or * contains "Ab"`},
		{"  kw:\n    - 'a*B?'\n  condition: kw", `* matches regex "(?is)a.*B."`},
		{"  kw:\n    '|cased':\n      - 'a*B'\n      - 'Cd*'\n  condition: kw", `* matches regex "(?s)a.*B" or * contains_cs "Cd"`},
		{"  s:\n    CommandLine: \"line\\nbreak\"\n  condition: s", `ProcessCommandLine =~ "line\nbreak"`},
	}
	for _, tt := range tests {
		if got := convert(t, tt.det); got != tt.want {
			t.Errorf("%s\n got  %s\n want %s", tt.det, got, tt.want)
		}
	}
}

// A chain longer than maxChain is printed in balanced parenthesised
// halves, so that Kusto's default syntax depth holds (KS245); shorter ones
// stay flat.
func TestLongChains(t *testing.T) {
	values := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "      - 'v%d'\n", i)
		}
		return b.String()
	}
	flat := convert(t, "  s:\n    CommandLine|contains:\n"+values(maxChain)+"  condition: s")
	if strings.Contains(flat, "(") || strings.Count(flat, " or ") != maxChain-1 {
		t.Errorf("a chain of %d is not flat: %.200s", maxChain, flat)
	}
	long := convert(t, "  s:\n    CommandLine|contains:\n"+values(2*chainGroup+1)+"  condition: s")
	want := `(ProcessCommandLine contains "v0" or `
	if !strings.HasPrefix(long, want) || strings.Count(long, " or ") != 2*chainGroup ||
		!strings.Contains(long, `ProcessCommandLine contains "v255") or ((ProcessCommandLine contains "v256"`) ||
		!strings.Contains(long, `ProcessCommandLine contains "v383") or (ProcessCommandLine contains "v384"`) {
		t.Errorf("a chain of %d is not in balanced halves: %.300s", 2*chainGroup+1, long)
	}
}
