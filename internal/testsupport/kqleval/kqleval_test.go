package kqleval

import (
	"strings"
	"testing"
)

var testSchema = Schema{
	"T": {"S": "string", "N": "long", "I": "int", "R": "real", "B": "bool", "D": "dynamic", "Empty": "string", "Missing": "long", "J": "string", "X": "string"},
	"U": {"S": "string", "Y": "string"},
}

var testRow = Row{"S": "North America", "N": int64(42), "I": int64(7), "R": 1.5, "B": true,
	"D": map[string]any{"k": "v", "arr": []any{int64(1), "two"}}, "J": `{"PipeName":"\\Device\\NamedPipe\\x","n":5}`,
	"X": `<EventData xmlns="x"><Data Name="Image">C:\Windows\cmd.exe</Data><Data Name="User"/><Data Name="Hashes">MD5=1</Data></EventData>`}

// pred evaluates T | where pred on testRow (or on row when given): true
// when the row comes out.
func pred(t *testing.T, p string, rows ...Row) (bool, error) {
	t.Helper()
	if rows == nil {
		rows = []Row{testRow}
	}
	out, err := Eval("T | where "+p, testSchema, map[string][]Row{"T": rows})
	return len(out) > 0, err
}

func TestPredicates(t *testing.T) {
	cases := []struct {
		pred string
		want bool
	}{
		// Examples of the string operators page ("Example (yields true)").
		{`"aBc" == "aBc"`, true}, {`"abc" == "ABC"`, false},
		{`"abc" != "ABC"`, true}, {`"abc" != "abc"`, false},
		{`"abc" =~ "ABC"`, true}, {`"abc" =~ "abd"`, false},
		{`"aBc" !~ "xyz"`, true}, {`"aBc" !~ "ABC"`, false},
		{`"FabriKam" contains "BRik"`, true}, {`"Fabrikam" contains "xyz"`, false},
		{`"Fabrikam" !contains "xyz"`, true}, {`"Fabrikam" !contains "BRIK"`, false},
		{`"FabriKam" contains_cs "Kam"`, true}, {`"FabriKam" contains_cs "kam"`, false},
		{`"Fabrikam" !contains_cs "Kam"`, true},
		{`"Fabrikam" startswith "fab"`, true}, {`"Fabrikam" startswith "kam"`, false},
		{`"Fabrikam" startswith_cs "Fab"`, true}, {`"Fabrikam" startswith_cs "fab"`, false},
		{`"Fabrikam" !startswith "kam"`, true},
		{`"Fabrikam" endswith "Kam"`, true}, {`"Fabrikam" endswith "brik"`, false},
		{`"Fabrikam" endswith_cs "kam"`, true}, {`"Fabrikam" endswith_cs "Kam"`, false},
		{`"Fabrikam" !endswith "brik"`, true},
		// extract(): the group of the first match, "" without a match.
		{`extract(@"[^\\]*$", 0, @"CONTOSO\bob") == "bob"`, true},
		{`extract(@"[^\\]*$", 0, "bob") == "bob"`, true},
		{`extract(@"^([^\\]*)\\", 1, @"CONTOSO\bob") == "CONTOSO"`, true},
		{`extract(@"^([^\\]*)\\", 1, "bob") == ""`, true},
		// has: whole terms (maximal runs of alphanumerics).
		{`"North America" has "america"`, true}, {`"North America" has "amer"`, false},
		{`"North America" !has "amer"`, true},
		{`"North America" has_cs "America"`, true}, {`"North America" has_cs "america"`, false},
		{`"KustoExplorerQueryRun" has "Explorer"`, false},
		{`"Kusto: ad67d136-c1db-4f9f" has "c1db"`, true},
		{`"Kusto: ad67d136-c1db-4f9f" has "67d1"`, false},
		{`"cmd.exe /c whoami" has "cmd.exe"`, true},
		{`"xcmd.exe /c" has "cmd.exe"`, false},
		{`"a -enc b" has "-enc"`, true}, {`"a -encode b" has "-enc"`, false},
		{`"a\\b" has "\\b"`, true},
		{`"North America" hasprefix "ame"`, true}, {`"North America" hasprefix "mer"`, false},
		{`"North America" hasprefix_cs "Ame"`, true}, {`"North America" !hasprefix_cs "CA"`, true},
		{`"North America" hassuffix "ica"`, true}, {`"North America" hassuffix "ame"`, false},
		{`"North America" has_any ("x", "america")`, true}, {`"North America" has_any ("x", "amer")`, false},
		{`"North America" has_all ("north", "america")`, true}, {`"North America" has_all ("north", "amer")`, false},
		// in: case-sensitive; in~ not.
		{`"abc" in ("x", "abc")`, true}, {`"abc" in ("ABC")`, false}, {`"abc" in~ ("ABC")`, true},
		{`"abc" !in ("ABC")`, true}, {`"abc" !in~ ("ABC")`, false},
		{`N in (1, 42)`, true}, {`N !in (1, 2)`, true}, {`N in (dynamic([41, 42]))`, true},
		// Regular expressions are RE2, case-sensitive.
		{`S matches regex "^North\\s+Am"`, true}, {`S matches regex "^north"`, false},
		{`S matches regex "(?i)^north"`, true},
		// Numbers.
		{`N == 42`, true}, {`N > 41 and N <= 42`, true}, {`N < 42`, false}, {`N == 42.0`, true},
		{`R >= 1.5`, true}, {`R > 1`, true}, {`I != 7`, false}, {`N + 1 == 43`, true},
		{`B`, true}, {`B == false`, false},
		// Null and empty: a missing string is "", never null.
		{`isempty(Empty)`, true}, {`isnotempty(S)`, true}, {`isnull(Empty)`, false},
		{`isnotnull(Empty)`, true}, {`isnull(Missing)`, true}, {`isempty(Missing)`, true},
		// "Null values": null == x is false, null != x true; an ordering is null.
		{`Missing == 1`, false}, {`Missing != 1`, true}, {`not(Missing == 1)`, true},
		{`Missing < 1`, false}, {`not(Missing < 1)`, false}, {`Missing == long(null)`, false},
		{`not(Missing == long(null))`, false}, {`Missing in (1, 2)`, false}, {`Missing !in (1, 2)`, true},
		{`Missing == 1 or true`, true}, {`Missing == 1 and false`, false},
		// * is any column.
		{`* contains "th amer"`, true}, {`* has "three"`, false}, {`* has "two"`, true}, {`* has_any ("x", "north")`, true},
		// Logic.
		{`not(S has "north")`, false}, {`not(S has "south") and (N == 1 or N == 42)`, true},
		// Literals.
		{`'it\'s' == "it's"`, true}, {`@"C:\Windows" == "C:\\Windows"`, true},
		{`@'a''b' == "a'b"`, true}, {`"\u0041\t" == "A\t"`, true},
		// Dynamic values and functions.
		{`D.k == "v"`, true}, {`D['k'] == "v"`, true}, {`D.arr[1] == "two"`, true}, {`D.arr[-2] == 1`, true},
		{`isnull(D.nothing)`, true},
		{`tostring(parse_json(J).PipeName) == "\\Device\\NamedPipe\\x"`, true},
		{`tolong(parse_json(J).n) == 5`, true}, {`toint("12") == 12`, true}, {`isnull(tolong("x"))`, true},
		{`strcat(S, "/", N) == "North America/42"`, true}, {`tostring(N) == "42"`, true},
		{`tostring(parse_json("not json")) == "not json"`, true},
		// IP functions (examples of their documentation pages).
		{`ipv4_is_in_range("192.168.1.6", "192.168.1.1/24")`, true},
		{`ipv4_is_in_range("192.168.2.6", "192.168.1.1/24")`, false},
		{`ipv4_is_in_range("10.1.2.3", "10.1.2.3")`, true},
		{`ipv4_is_match("192.168.1.1/24", "192.168.1.255/24")`, true},
		{`ipv4_is_match("192.168.1.1", "192.168.1.255", 24)`, true},
		{`ipv4_is_match("192.168.1.1", "192.168.1.255")`, false},
		{`ipv6_is_in_range("a5e:f127:8a9d:146d:e102:b5d3:c755:abcd", "a5e:f127:8a9d:146d:e102:b5d3:c755:0000/112")`, true},
		{`ipv6_is_in_range("a5e:f127:8a9d:146d:e102:b5d3:c755:abcd", "a5e:f127:8a9d:146d:e102:b5d3:c756:0000/112")`, false},
		{`ipv6_is_in_range("10.0.0.1", "10.0.0.0/8")`, true},
		{`isnull(ipv4_is_in_range("not an ip", "10.0.0.0/8"))`, true},
		{`isnull(tolong(" x"))`, true}, // null with or without the space
		// coalesce(): the example of its page, and null bools.
		{`coalesce(tolong("not a number"), tolong("42"), 33) == 42`, true},
		{`coalesce(Empty, "x", S) == "x"`, true},
		{`not(coalesce(ipv4_is_in_range("not an ip", "10.0.0.0/8"), false))`, true},
		{`not(ipv4_is_in_range("not an ip", "10.0.0.0/8"))`, false},
		{`isnull(coalesce(Missing, tolong("x")))`, true},
	}
	for _, c := range cases {
		got, err := pred(t, c.pred)
		if err != nil {
			t.Errorf("%s: %v", c.pred, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s: got %v, want %v", c.pred, got, c.want)
		}
	}
}

// Anything the evaluator does not know is an error naming it, never a
// silent non-match.
func TestErrors(t *testing.T) {
	cases := []struct{ query, want string }{
		{`T | where Nope == "x"`, `1:11: "Nope" is not a column`},
		{`T | where S == 1`, `string == long: KQL does not compare`},
		{`T | where S`, `a string where a bool is expected`},
		{`T | where S !between (1 .. 2)`, `operator !between: not supported`},
		{`T | where S hasprefix_any ("a")`, `not supported`},
		{`T | where frob(S)`, `function frob(): not supported by the evaluator`},
		{`T | top 5 by N`, `tabular operator "top": not supported`},
		{`T | summarize count()`, `summarize item without a name`},
		{`T | summarize n = dcount(S)`, `aggregation function "dcount": not supported`},
		{`T | mv-apply x = D.arr on (summarize n = make_list(Nope))`, `"Nope" is not a column`},
		{`T | mv-apply x = S on (summarize n = count())`, `cannot expand a string`},
		{`T | where J.PipeName == "x"`, `member access on string column J: KQL needs parse_json(J) first`},
		{`Nope | where S == "x"`, `unknown table "Nope"`},
		{`T | where S matches regex "("`, `invalid RE2 pattern`},
		{`T | where extract("(", 0, S) == ""`, `invalid RE2 pattern`},
		{`T | where extract("a", 1, S) == ""`, `no capture group 1`},
		{`T | where S == "x" extra`, `unexpected "extra"`},
		{`T | where Timestamp > ago(1d)`, `function ago(): not supported`},
		{`T | where S == "unterminated`, `string literal`},
		{`T | where tolong(S, 1)`, `tolong() takes 1 arguments, found 2`},
		{`T | where * == "x"`, `only string operators take *`},
		// Whether conversions skip spaces is not documented.
		{`T | where tolong(" 42") == 42`, `does not say whether they are skipped`},
		{`T | where ipv4_is_in_range("10.1.2.3 ", "10.0.0.0/8")`, `does not say whether they are skipped`},
		{`T | where ipv6_is_in_range("2001:db8::1%eth0", "2001:db8::/32")`, `has a zone index`},
	}
	for _, c := range cases {
		_, err := Eval(c.query, testSchema, map[string][]Row{"T": {testRow}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.query, err, c.want)
		}
	}
}

func TestTabular(t *testing.T) {
	data := map[string][]Row{
		"T": {testRow, {"S": "other"}},
		"U": {{"S": "u", "Y": "x"}},
	}
	cases := []struct {
		query string
		want  int
	}{
		{`T`, 2},
		{`T | where S has "north" | where N == 42`, 1},
		{`T | where isempty(S)`, 0},
		{`union T, U | where isempty(Y)`, 2},
		{`union T, U | where Y == "x" and isnull(N)`, 1},
		{`let names = dynamic(["u", "other"]); union T, U | where S in (names)`, 2},
		{`let base = T | where N == 42; base | extend P = tostring(parse_json(J).PipeName) | where P endswith "\\x"`, 1},
		{`T | extend L = strcat(S, "!") | project L | where L == "other!"`, 1},
		{"// a comment\nT\n| where S =~ \"OTHER\";", 1},
		{`let x = 42; T | where N == x`, 1},
		{`(T | where N == 42) | where B`, 1},
		{`T | summarize n = count() | where n == 2`, 1},
		{`T | summarize n = count() by S | where n == 1`, 2},
		{`T | where S == "none" | summarize n = count() | where n == 0`, 1},
		{`T | where N == 42 | mv-apply e = D.arr to typeof(string) on (where e == "two" | summarize L = make_list(e)) | where tostring(L) == '["two"]'`, 1},
		{`T | where N == 42 | mv-apply e = D.arr on (where isnull(e)) | project N`, 0},
		{`T | where N == 42 | mv-apply d = parse_xml(X).EventData.Data on (summarize B = make_bag(bag_pack(tostring(d['@Name']), tostring(d['#text'])))) | where tostring(B.Image) endswith "\\cmd.exe" and tostring(B.User) == ""`, 1},
	}
	for _, c := range cases {
		out, err := Eval(c.query, testSchema, data)
		if err != nil {
			t.Errorf("%s: %v", c.query, err)
			continue
		}
		if len(out) != c.want {
			t.Errorf("%s: %d rows, want %d", c.query, len(out), c.want)
		}
	}
}

func TestRowsAreTyped(t *testing.T) {
	for _, row := range []Row{{"N": "42"}, {"S": int64(1)}, {"Nope": "x"}, {"B": "true"}} {
		if _, err := Eval(`T`, testSchema, map[string][]Row{"T": {row}}); err == nil {
			t.Errorf("row %v: no error", row)
		}
	}
}

func TestExplain(t *testing.T) {
	q, err := Parse(`T | where S startswith "North" and (N == 1 or N == 2) and not(B)`)
	if err != nil {
		t.Fatal(err)
	}
	got := q.Explain(testSchema, map[string][]Row{"T": {testRow}})
	want := `row 1: [(N == 1 or N == 2)] is false [not(B)] is false`
	if got != want {
		t.Errorf("Explain:\n got %s\nwant %s", got, want)
	}
	if got := q.Explain(testSchema, nil); !strings.Contains(got, "empty") {
		t.Errorf("Explain on no rows: %q", got)
	}
}

func TestParseXML(t *testing.T) {
	cases := []struct{ xml, want string }{
		// The conversion table of the parse_xml() documentation.
		{`<e/>`, `{"e":null}`},
		{`<e>text</e>`, `{"e":"text"}`},
		{`<e name="value" />`, `{"e":{"@name":"value"}}`},
		{`<e name="value">text</e>`, `{"e":{"#text":"text","@name":"value"}}`},
		{`<e> <a>text</a> <b>text</b> </e>`, `{"e":{"a":"text","b":"text"}}`},
		{`<e> <a>text</a> <a>text</a> </e>`, `{"e":{"a":["text","text"]}}`},
		{`<e> text <a>text</a> </e>`, `{"e":{"#text":"text","a":"text"}}`},
		{`<?xml version="1.0"?><!-- c --><e><a>1</a></e>`, `{"e":{"a":"1"}}`},
		{`<e><a></e>`, `null`},
		{`not xml`, `null`},
	}
	for _, c := range cases {
		v, err := parseXML([]Value{c.xml})
		if got := toString(v); err != nil || got != c.want && !(v == nil && c.want == "null") {
			t.Errorf("parse_xml(%s) = %s, %v; want %s", c.xml, got, err, c.want)
		}
	}
}
