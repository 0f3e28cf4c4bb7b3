package spl

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// lit is a literal in the short form of the cases: context, field (and
// operator), decoded value.
type lit struct {
	ctx   Context
	cmd   string
	field string
	op    string
	value string
}

func short(ls []Literal) []lit {
	var out []lit
	for _, l := range ls {
		out = append(out, lit{l.Context, l.Command, l.Field, l.Op, l.Value})
	}
	return out
}

// The cases follow the documentation rule by rule (see the package doc);
// each names its rule.
func TestParseDocumented(t *testing.T) {
	for _, tc := range []struct {
		rule   string
		search string
		want   []lit
	}{
		// Search Reference, search: "Quotes and escaping characters".
		{"\\\" sends a literal quotation mark", `CommandLine="say \"hi\""`,
			[]lit{{Term, "search", "CommandLine", "=", `say "hi"`}}},
		{"\\\\ sends a literal backslash", `Image="C:\\Windows\\cmd.exe"`,
			[]lit{{Term, "search", "Image", "=", `C:\Windows\cmd.exe`}}},
		{"\\| sends a pipe character", `"a\|b"`,
			[]lit{{Keyword, "search", "", "", `a|b`}}},
		{"unrecognized sequences are not altered: \\s stays \\s", `x="\s"`,
			[]lit{{Term, "search", "x", "=", `\s`}}},
		{"\\\\s is \\s to the command", `x="\\s"`,
			[]lit{{Term, "search", "x", "=", `\s`}}},
		{"a pipe inside quotation marks does not split commands", `search "error | stats count"`,
			[]lit{{Keyword, "search", "", "", `error | stats count`}}},
		{"a pipe outside quotation marks splits commands", `error | search "x"`,
			[]lit{{Keyword, "search", "", "", `x`}}},
		{"\\| outside quotation marks does not split commands", `a\|b "x"`,
			[]lit{{Keyword, "search", "", "", `x`}}},
		{"a quoted Boolean operator is a keyword", `error "AND"`,
			[]lit{{Keyword, "search", "", "", `AND`}}},
		{"a quoted field/value phrase is a keyword", `error "startswith=foo"`,
			[]lit{{Keyword, "search", "", "", `startswith=foo`}}},
		{"a trailing escaped backslash before the closing quotation mark", `x="C:\\" y="b"`,
			[]lit{{Term, "search", "x", "=", `C:\`}, {Term, "search", "y", "=", `b`}}},
		// Search Reference, search: syntax of comparisons and Boolean expressions.
		{"comparison operators", `a!="1" b<"2" c<="3" d>"4" e>="5"`,
			[]lit{{Term, "search", "a", "!=", "1"}, {Term, "search", "b", "<", "2"}, {Term, "search", "c", "<=", "3"}, {Term, "search", "d", ">", "4"}, {Term, "search", "e", ">=", "5"}}},
		{"IN list, bare values and wildcards allowed", `error_code IN (40*, "500", "5\"0")`,
			[]lit{{InList, "search", "error_code", "", "500"}, {InList, "search", "error_code", "", `5"0`}}},
		{"NOT, OR and parentheses", `login NOT ("error" OR x="fail")`,
			[]lit{{Keyword, "search", "", "", "error"}, {Term, "search", "x", "=", "fail"}}},
		{"a field name in quotation marks", `"Command Line"="a"`,
			[]lit{{FieldName, "search", "", "", "Command Line"}, {Term, "search", "Command Line", "=", "a"}}},
		{"a line break inside quotation marks is text", "x=\"a\nb\"",
			[]lit{{Term, "search", "x", "=", "a\nb"}}},
		// Search Manual, "SPL and regular expressions"; Search Reference, regex and rex.
		{"regex: the pattern is a quoted string, a pipe in it is text", `* | regex "expression | with pipe"`,
			[]lit{{Regex, "regex", "_raw", "=", "expression | with pipe"}}},
		{"regex: <field>!=", `* | regex CommandLine!="a.*b"`,
			[]lit{{Regex, "regex", "CommandLine", "!=", "a.*b"}}},
		{"regex: c:\\\\\\\\temp reaches PCRE as c:\\\\temp", `* | regex path="c:\\\\temp"`,
			[]lit{{Regex, "regex", "path", "=", `c:\\temp`}}},
		{"rex: field= and a named group", `* | rex field=clientip "(?<ipclass>\\d+)"`,
			[]lit{{Rex, "rex", "clientip", "", `(?<ipclass>\d+)`}}},
		{"rex: without field=, _raw", `* | rex max_match=1 "(?<a>x)"`,
			[]lit{{Rex, "rex", "_raw", "", `(?<a>x)`}}},
		// Search Manual, "Types of expressions": eval and where strings.
		{"eval: \\\\ is a backslash", `* | eval p="C:\\windows"`,
			[]lit{{EvalString, "eval", "", "", `C:\windows`}}},
		{"eval: \\t is a tab", `* | eval p="C:\\windows\temp"`,
			[]lit{{EvalString, "eval", "", "", "C:\\windows\temp"}}},
		{"eval: escaping the backslash keeps \\t text", `* | eval p="C:\\windows\\temp"`,
			[]lit{{EvalString, "eval", "", "", `C:\windows\temp`}}},
		{"eval and where: field names in single quotes", `* | where like('low-user', "%".'it\'s'."%")`,
			[]lit{{EvalField, "where", "", "", "low-user"}, {EvalString, "where", "", "", "%"}, {EvalField, "where", "", "", "it's"}, {EvalString, "where", "", "", "%"}}},
		{"a single quote in a search is text", `x=O'Brien "y"`,
			[]lit{{Keyword, "search", "", "", "y"}}},
		// Search Manual, "Add comments to searches".
		{"a comment is not part of the search", "x=\"a\" ```a \"comment\" | with a pipe``` y=\"b\"",
			[]lit{{Term, "search", "x", "=", "a"}, {Term, "search", "y", "=", "b"}}},
		{"``` inside quotation marks is text", "x=\"a```b\"",
			[]lit{{Term, "search", "x", "=", "a```b"}}},
		// The forms of the splunk backend.
		{"the rex/eval form", "*\n| rex field=CommandLine \"(?<CommandLineMatch>a\\\\.b)\"\n| eval CommandLineCondition=if(isnotnull(CommandLineMatch), \"true\", \"false\")\n| search CommandLineCondition=\"true\" OR Image=\"*\\\\x.exe\"",
			[]lit{{Rex, "rex", "CommandLine", "", `(?<CommandLineMatch>a\.b)`}, {EvalString, "eval", "", "", "true"}, {EvalString, "eval", "", "", "false"}, {Term, "search", "CommandLineCondition", "=", "true"}, {Term, "search", "Image", "=", `*\x.exe`}}},
		{"tstats: the where clause is a search", "| tstats fillnull_value=\"null\" count from datamodel=Endpoint.Processes where Processes.process=\"*a*\" by Processes.process | `drop_dm_object_name(Processes)` | convert timeformat=\"%Y\" ctime(firstTime)",
			[]lit{{Option, "tstats", "fillnull_value", "", "null"}, {Term, "tstats", "Processes.process", "=", "*a*"}, {Option, "convert", "timeformat", "", "%Y"}}},
		{"table: quoted names are options", `x="a" | table CommandLine,"Parent Image"`,
			[]lit{{Term, "search", "x", "=", "a"}, {Option, "table", "", "", "Parent Image"}}},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			got, err := Parse(tc.search)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.search, err)
			}
			if s := short(got); !reflect.DeepEqual(s, tc.want) {
				t.Errorf("Parse(%q)\n got %+v\nwant %+v", tc.search, s, tc.want)
			}
			for _, l := range got {
				if tc.search[l.Offset:l.Offset+len(l.Raw)] != l.Raw {
					t.Errorf("literal %q: offset %d does not point at it", l.Raw, l.Offset)
				}
			}
		})
	}
}

// Search Manual, "Wildcards" and "Backslashes": in a search-command value
// every asterisk is a wildcard, and a backslash does not escape it.
func TestPattern(t *testing.T) {
	for _, tc := range []struct{ search, want string }{
		{`sourcetype="access_*"`, `"access_" * `},
		{`x="my*"`, `"my" * `},
		{`x="*"`, ` * `},
		{`x=""`, ``},
		{`x="a\*b"`, `"a\\" * "b"`},     // \* is no escape sequence: the command gets \*
		{`x="a\\*b"`, `"a\\" * "b"`},    // \\ is a backslash, then the wildcard: the same value
		{`x="a\\\*b"`, `"a\\\\" * "b"`}, // \\ then \*
		{`x="*a**b*"`, ` * "a" *  * "b" * `},
	} {
		ls, err := Parse(tc.search)
		if err != nil || len(ls) != 1 {
			t.Fatalf("Parse(%q) = %v, %v", tc.search, ls, err)
		}
		if got := PatternString(ls[0].Pattern()); got != tc.want {
			t.Errorf("%s: pattern %s, want %s", tc.search, got, tc.want)
		}
	}
}

// "Quotation marks must be balanced. An opening quotation must be followed
// by an unescaped closing quotation": and the forms the reader accepts are
// the printer's; anything else is an error.
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ search, want string }{
		{`x="a`, "not closed"},
		{`x="a\"`, "not closed"},
		{`x="a\`, "ends with an escaping backslash"},
		{`x="a" "b`, "not closed"},
		{`x=`, "without a value"},
		{`x= = "a"`, "without a value"},
		{`(x="a"`, "parentheses not closed"},
		{`x="a")`, ") without ("},
		{`x IN ("a", "b"`, "not closed"},
		{`x IN ("a" "b")`, "unexpected"},
		{`x IN ()`, "a value expected"},
		{`x="a" , "b"`, "unexpected"},
		{`* | regex x="a" "b"`, "regex: want"},
		{`* | regex x`, "regex: want"},
		{`* | rex field=x "a" "b"`, "rex: want"},
		{`* | rex field=x`, "rex: want"},
		{`* | eval x='a`, "single quotes not closed"},
		{"x=\"a\" ```b", "comment not closed"},
		{"x=\"a\" `m", "macro not closed"},
		{`* | | x`, "without a name"},
	} {
		_, err := Parse(tc.search)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q): error %v, want one containing %q", tc.search, err, tc.want)
		}
	}
}

func TestContextString(t *testing.T) {
	for c := Term; c <= Option; c++ {
		if s := c.String(); strings.HasPrefix(s, "Context(") {
			t.Errorf("context %d has no name", c)
		}
	}
	if got, want := Context(99).String(), fmt.Sprintf("Context(%d)", 99); got != want {
		t.Errorf("%s, want %s", got, want)
	}
}
