package match

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/parser"
)

// parseRule parses a rule whose detection section is det (indented by
// four spaces in the file).
func parseRule(t *testing.T, det string) *ast.Rule {
	t.Helper()
	src := "title: t\nlogsource:\n    product: windows\ndetection:\n" + indent(det)
	f, err := parser.ParseFile("rule.yml", []byte(src))
	if err != nil {
		t.Fatalf("parse %q: %v", det, err)
	}
	r, ok := f.Docs[0].(*ast.Rule)
	if !ok {
		t.Fatalf("not a rule: %T", f.Docs[0])
	}
	return r
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    " + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// event reads one JSON object.
func event(t *testing.T, js string) Event {
	t.Helper()
	evs, err := ReadEvents(strings.NewReader(js))
	if err != nil || len(evs) != 1 {
		t.Fatalf("event %s: %v (%d events)", js, err, len(evs))
	}
	return evs[0]
}

// A matchCase is a detection, an event, and whether the rule must match.
type matchCase struct {
	name  string
	det   string
	event string
	want  bool
}

func runCases(t *testing.T, cases []matchCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := parseRule(t, c.det)
			got, err := Rule(r, event(t, c.event))
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got.Matched != c.want {
				t.Fatalf("matched = %v, want %v (reason %q)", got.Matched, c.want, got.Reason)
			}
			if !got.Matched && got.Reason == "" {
				t.Fatalf("no reason given for a non-match")
			}
			if got.Matched && got.Reason != "" {
				t.Fatalf("a match with a reason: %q", got.Reason)
			}
		})
	}
}

func sel(body string) string { return "selection:\n" + indent(body) + "condition: selection" }

func TestStrings(t *testing.T) {
	runCases(t, []matchCase{
		{"equal ignores case", sel(`Image: 'C:\Windows\cmd.exe'`), `{"Image": "c:\\windows\\CMD.EXE"}`, true},
		{"equal is whole value", sel(`Image: 'C:\Windows\cmd.exe'`), `{"Image": "C:\\Windows\\cmd.exe2"}`, false},
		{"star", sel(`Image: '*\cmd.exe'`), `{"Image": "D:\\x\\cmd.exe"}`, true},
		{"star anchored", sel(`Image: '*\cmd.exe'`), `{"Image": "D:\\x\\cmd.exe.bak"}`, false},
		{"question mark one char", sel(`Image: 'cm?.exe'`), `{"Image": "cmd.exe"}`, true},
		{"question mark not two", sel(`Image: 'cm?.exe'`), `{"Image": "cmdd.exe"}`, false},
		{"question mark not zero", sel(`Image: 'cm?.exe'`), `{"Image": "cm.exe"}`, false},
		{"escaped star literal", sel(`F: 'a\*b'`), `{"F": "a*b"}`, true},
		{"escaped star not wildcard", sel(`F: 'a\*b'`), `{"F": "axb"}`, false},
		{"escaped question literal", sel(`F: 'a\?'`), `{"F": "a?"}`, true},
		{"escaped question not wildcard", sel(`F: 'a\?'`), `{"F": "ab"}`, false},
		{"escaped backslash then wildcard", sel(`F: 'a\\*'`), `{"F": "a\\xyz"}`, true},
		{"escaped backslash needs backslash", sel(`F: 'a\\*'`), `{"F": "axyz"}`, false},
		{"plain backslash", sel(`F: 'C:\Temp\x'`), `{"F": "c:\\temp\\X"}`, true},
		{"non-ASCII case folding", sel(`F: 'ÉTÉ'`), `{"F": "été"}`, true},
		{"cased", sel(`F|cased: 'Abc'`), `{"F": "Abc"}`, true},
		{"cased differs", sel(`F|cased: 'Abc'`), `{"F": "abc"}`, false},
		{"empty string", sel(`F: ''`), `{"F": ""}`, true},
		{"empty string needs the field", sel(`F: ''`), `{"G": ""}`, false},
		{"contains", sel(`F|contains: 'mid'`), `{"F": "aMIDb"}`, true},
		{"contains absent", sel(`F|contains: 'mid'`), `{"F": "ab"}`, false},
		{"startswith", sel(`F|startswith: 'ab'`), `{"F": "ABc"}`, true},
		{"startswith not at end", sel(`F|startswith: 'ab'`), `{"F": "cab"}`, false},
		{"endswith", sel(`F|endswith: '.exe'`), `{"F": "x.EXE"}`, true},
		{"endswith not at start", sel(`F|endswith: '.exe'`), `{"F": ".exe.x"}`, false},
		{"contains keeps inner wildcard", sel(`F|contains: 'a*c'`), `{"F": "xxabbbcxx"}`, true},
		{"contains inner wildcard order", sel(`F|contains: 'a*c'`), `{"F": "xxcbbbaxx"}`, false},
	})
}

func TestListsMapsAll(t *testing.T) {
	runCases(t, []matchCase{
		{"list is OR", sel("F:\n    - a\n    - b"), `{"F": "b"}`, true},
		{"list is OR, none", sel("F:\n    - a\n    - b"), `{"F": "c"}`, false},
		{"map is AND", sel("F: a\nG: b"), `{"F": "a", "G": "b"}`, true},
		{"map is AND, one fails", sel("F: a\nG: b"), `{"F": "a", "G": "c"}`, false},
		{"list of maps is OR", "selection:\n    - F: a\n    - G: b\ncondition: selection", `{"G": "b"}`, true},
		{"list of maps none", "selection:\n    - F: a\n    - G: b\ncondition: selection", `{"F": "b", "G": "a"}`, false},
		{"all", sel("F|contains|all:\n    - a\n    - b"), `{"F": "xbxa"}`, true},
		{"all needs every value", sel("F|contains|all:\n    - a\n    - b"), `{"F": "xa"}`, false},
		{"multi-valued field", sel("F: b"), `{"F": ["a", "B"]}`, true},
		{"multi-valued field none", sel("F: b"), `{"F": ["a", "c"]}`, false},
	})
}

func TestNumbersNullBool(t *testing.T) {
	runCases(t, []matchCase{
		{"number equals number", sel("EventID: 4688"), `{"EventID": 4688}`, true},
		{"number equals numeric string", sel("EventID: 4688"), `{"EventID": "4688"}`, true},
		{"number differs", sel("EventID: 4688"), `{"EventID": 4689}`, false},
		{"number text differs", sel("EventID: 4688"), `{"EventID": "4688a"}`, false},
		{"number and another spelling", sel("EventID: 4688"), `{"EventID": "04688"}`, false},
		{"number and a signed spelling", sel("EventID: 4688"), `{"EventID": "+4688"}`, false},
		{"number and a float spelling", sel("EventID: 4688"), `{"EventID": "4688.0"}`, false},
		{"quoted number equals number", sel("EventID: '4688'"), `{"EventID": 4688}`, true},
		{"number in list", sel("EventID:\n    - 1\n    - 4688"), `{"EventID": 4688}`, true},
		{"float equals integer", sel("V: 11"), `{"V": 11.0}`, true},
		{"null on absent field", sel("F: null"), `{"G": "x"}`, true},
		{"null on empty field", sel("F: null"), `{"F": ""}`, true},
		{"null on JSON null", sel("F: null"), `{"F": null}`, true},
		{"null on a value", sel("F: null"), `{"F": "x"}`, false},
		{"bool", sel("F: true"), `{"F": true}`, true},
		{"bool as text", sel("F: true"), `{"F": "True"}`, true},
		{"bool differs", sel("F: true"), `{"F": false}`, false},
	})
}

func TestCompareExistsNeq(t *testing.T) {
	runCases(t, []matchCase{
		{"lt", sel("N|lt: 10"), `{"N": 9}`, true},
		{"lt equal", sel("N|lt: 10"), `{"N": 10}`, false},
		{"lte equal", sel("N|lte: 10"), `{"N": "10"}`, true},
		{"lte above", sel("N|lte: 10"), `{"N": 11}`, false},
		{"gt", sel("N|gt: 10"), `{"N": 10.5}`, true},
		{"gt equal", sel("N|gt: 10"), `{"N": 10}`, false},
		{"gte equal", sel("N|gte: 10"), `{"N": 10}`, true},
		{"gte below", sel("N|gte: 10"), `{"N": 9}`, false},
		{"compare on text", sel("N|gt: 10"), `{"N": "many"}`, false},
		{"compare on Inf", sel("N|gt: 10"), `{"N": "Inf"}`, false},
		{"compare absent", sel("N|gt: 10"), `{}`, false},
		{"exists true", sel("F|exists: true"), `{"F": ""}`, true},
		{"exists true absent", sel("F|exists: true"), `{"G": 1}`, false},
		{"exists false", sel("F|exists: false"), `{"G": 1}`, true},
		{"exists false present", sel("F|exists: false"), `{"F": null}`, false},
		{"neq differs", sel("F|neq: a"), `{"F": "b"}`, true},
		{"neq absent", sel("F|neq: a"), `{}`, true},
		{"neq equal", sel("F|neq: a"), `{"F": "A"}`, false},
		{"neq list", sel("F|neq:\n    - a\n    - b"), `{"F": "b"}`, false},
	})
}

func TestRegex(t *testing.T) {
	runCases(t, []matchCase{
		{"re searches", sel("F|re: 'b+'"), `{"F": "abbc"}`, true},
		{"re anchored", sel("F|re: '^a.c$'"), `{"F": "abc"}`, true},
		{"re anchored fails", sel("F|re: '^a.c$'"), `{"F": "xabc"}`, false},
		{"re is case-sensitive", sel("F|re: '^abc$'"), `{"F": "ABC"}`, false},
		{"re i", sel("F|re|i: '^abc$'"), `{"F": "ABC"}`, true},
		{"re m", sel("F|re|m: '^b$'"), `{"F": "a\nb\nc"}`, true},
		{"re without m", sel("F|re: '^b$'"), `{"F": "a\nb\nc"}`, false},
		{"re s", sel("F|re|s: 'a.c'"), `{"F": "a\nc"}`, true},
		{"re without s", sel("F|re: 'a.c'"), `{"F": "a\nc"}`, false},
		{"re on a number", sel("F|re: '^46'"), `{"F": 4688}`, true},
	})
}

func TestCIDR(t *testing.T) {
	runCases(t, []matchCase{
		{"v4 inside", sel("Ip|cidr: 10.0.0.0/8"), `{"Ip": "10.20.30.40"}`, true},
		{"v4 outside", sel("Ip|cidr: 10.0.0.0/8"), `{"Ip": "11.0.0.1"}`, false},
		{"v4 single address", sel("Ip|cidr: 192.168.1.1"), `{"Ip": "192.168.1.1"}`, true},
		{"v4 single address other", sel("Ip|cidr: 192.168.1.1"), `{"Ip": "192.168.1.2"}`, false},
		{"v4 mapped in v6", sel("Ip|cidr: 10.0.0.0/8"), `{"Ip": "::ffff:10.1.1.1"}`, true},
		{"v6 inside", sel("Ip|cidr: 'fe80::/10'"), `{"Ip": "FE80::1"}`, true},
		{"v6 outside", sel("Ip|cidr: 'fe80::/10'"), `{"Ip": "2001:db8::1"}`, false},
		{"not an address", sel("Ip|cidr: 10.0.0.0/8"), `{"Ip": "10.0.0.x"}`, false},
	})
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func utf16le(s string) string {
	var b strings.Builder
	for _, u := range utf16.Encode([]rune(s)) {
		b.WriteByte(byte(u))
		b.WriteByte(byte(u >> 8))
	}
	return b.String()
}

func TestEncodings(t *testing.T) {
	var cases []matchCase
	for i, prefix := range []string{"", "x", "xy", "xyz"} {
		enc := b64(prefix + "http://evil.example/" + "tail")
		cases = append(cases,
			matchCase{"base64offset offset " + string(rune('0'+i)), sel("F|base64offset|contains: 'http://evil'"), `{"F": "` + enc + `"}`, true},
			matchCase{"wide base64offset offset " + string(rune('0'+i)), sel("F|wide|base64offset|contains: 'http://evil'"), `{"F": "` + b64(utf16le(prefix+"http://evil.example/")) + `"}`, true})
	}
	cases = append(cases,
		matchCase{"base64offset other text", sel("F|base64offset|contains: 'http://evil'"), `{"F": "` + b64("http://good.example/") + `"}`, false},
		matchCase{"wide base64offset not UTF-8", sel("F|wide|base64offset|contains: 'http://evil'"), `{"F": "` + b64("http://evil.example/") + `"}`, false},
		matchCase{"base64", sel("F|base64: 'abc'"), `{"F": "YWJj"}`, true},
		matchCase{"base64 other", sel("F|base64: 'abc'"), `{"F": "YWJk"}`, false},
		matchCase{"base64 contains", sel("F|base64|contains: 'abc'"), `{"F": "xxYWJjxx"}`, true},
	)
	runCases(t, cases)
}

func TestUTF16Bytes(t *testing.T) {
	for _, c := range []struct {
		mod, subject string
		want         bool
	}{
		{"utf16le", "c\x00m\x00d\x00", true},
		{"wide", "C\x00M\x00D\x00", true},
		{"utf16le", "cmd", false},
		{"utf16be", "\x00c\x00m\x00d", true},
		{"utf16be", "c\x00m\x00d\x00", false},
		{"utf16", "\xff\xfec\x00m\x00d\x00", true},
		{"utf16", "c\x00m\x00d\x00", false},
	} {
		r := parseRule(t, sel("F|"+c.mod+"|contains: cmd"))
		got, err := Rule(r, FromJSON(map[string]any{"F": "zz" + c.subject + "zz"}))
		if err != nil || got.Matched != c.want {
			t.Errorf("%s on %q: matched %v, %v; want %v", c.mod, c.subject, got.Matched, err, c.want)
		}
	}
}

func TestWindash(t *testing.T) {
	det := sel("CommandLine|windash|contains: ' -enc '")
	runCases(t, []matchCase{
		{"dash", det, `{"CommandLine": "powershell -enc AAA"}`, true},
		{"slash", det, `{"CommandLine": "powershell /enc AAA"}`, true},
		{"en dash", det, `{"CommandLine": "powershell \u2013enc AAA"}`, true},
		{"em dash", det, `{"CommandLine": "powershell \u2014enc AAA"}`, true},
		{"horizontal bar", det, `{"CommandLine": "powershell \u2015enc AAA"}`, true},
		{"other character", det, `{"CommandLine": "powershell +enc AAA"}`, false},
	})
}

func TestFieldRefTime(t *testing.T) {
	runCases(t, []matchCase{
		{"fieldref equal", sel("A|fieldref: B"), `{"A": "Admin", "B": "admin"}`, true},
		{"fieldref differs", sel("A|fieldref: B"), `{"A": "Admin", "B": "user"}`, false},
		{"fieldref other absent", sel("A|fieldref: B"), `{"A": "Admin"}`, false},
		{"fieldref contains", sel("A|fieldref|contains: B"), `{"A": "C:\\x\\ADMIN\\y", "B": "admin"}`, true},
		{"fieldref startswith fails", sel("A|fieldref|startswith: B"), `{"A": "xadmin", "B": "admin"}`, false},
		{"fieldref cased", sel("A|fieldref|cased: B"), `{"A": "Admin", "B": "admin"}`, false},
		{"hour", sel("T|hour: 23"), `{"T": "2025-10-24 23:41:48.482"}`, true},
		{"hour differs", sel("T|hour: 22"), `{"T": "2025-10-24 23:41:48.482"}`, false},
		{"month RFC 3339", sel("T|month: 10"), `{"T": "2025-10-24T23:41:48.497170Z"}`, true},
		{"year not a time", sel("T|year: 2025"), `{"T": "yesterday"}`, false},
	})
}

func TestKeywords(t *testing.T) {
	runCases(t, []matchCase{
		{"keyword anywhere", "keywords:\n    - 'event::clear'\n    - 'other'\ncondition: keywords", `{"A": "x", "B": "run EVENT::CLEAR now"}`, true},
		{"keyword nowhere", "keywords:\n    - 'event::clear'\ncondition: keywords", `{"A": "event", "B": "clear"}`, false},
		{"keyword in a nested value", "keywords:\n    - 'deep'\ncondition: keywords", `{"A": {"B": ["x", "so deep"]}}`, true},
		{"keywords all", "keywords:\n    '|all':\n        - 'Oab'\n        - ' -Ext '\ncondition: keywords", `{"A": "Set-Oab x", "B": "y -ext z"}`, true},
		{"keywords all missing one", "keywords:\n    '|all':\n        - 'Oab'\n        - ' -Ext '\ncondition: keywords", `{"A": "Set-Oab x"}`, false},
		{"keyword number", "keywords:\n    - 4688\ncondition: keywords", `{"EventID": 4688}`, true},
	})
}

func TestConditions(t *testing.T) {
	det := func(cond string) string {
		return "selection_a:\n    A: 1\nselection_b:\n    B: 1\nfilter:\n    F: 1\n_hidden:\n    H: 1\ncondition: " + cond
	}
	runCases(t, []matchCase{
		{"and", det("selection_a and selection_b"), `{"A": 1, "B": 1}`, true},
		{"and one", det("selection_a and selection_b"), `{"A": 1}`, false},
		{"or", det("selection_a or selection_b"), `{"B": 1}`, true},
		{"or none", det("selection_a or selection_b"), `{"F": 1}`, false},
		{"not", det("selection_a and not filter"), `{"A": 1}`, true},
		{"not excludes", det("selection_a and not filter"), `{"A": 1, "F": 1}`, false},
		{"parens", det("(selection_a or selection_b) and not filter"), `{"B": 1}`, true},
		{"precedence: and binds tighter", det("selection_a or selection_b and filter"), `{"A": 1}`, true},
		{"precedence: and binds tighter, no", det("selection_a or selection_b and filter"), `{"B": 1}`, false},
		{"1 of pattern", det("1 of selection_*"), `{"B": 1}`, true},
		{"1 of pattern none", det("1 of selection_*"), `{"F": 1}`, false},
		{"all of pattern", det("all of selection_*"), `{"A": 1, "B": 1}`, true},
		{"all of pattern one", det("all of selection_*"), `{"A": 1}`, false},
		{"1 of them", det("1 of them"), `{"F": 1}`, true},
		{"1 of them ignores underscore", det("1 of them"), `{"H": 1}`, false},
		{"all of them ignores underscore", det("all of them"), `{"A": 1, "B": 1, "F": 1}`, true},
		{"all of them", det("all of them"), `{"A": 1, "B": 1}`, false},
		{"not of", det("selection_a and not 1 of filter*"), `{"A": 1, "F": 1}`, false},
		{"conditions list is OR", "a:\n    A: 1\nb:\n    B: 1\ncondition:\n    - a\n    - b", `{"B": 1}`, true},
		{"conditions list none", "a:\n    A: 1\nb:\n    B: 1\ncondition:\n    - a\n    - b", `{"C": 1}`, false},
	})
}

func TestErrors(t *testing.T) {
	for _, c := range []struct{ name, det, want string }{
		{"placeholder without values", sel("F|expand: '%servers%'"), "placeholder %servers% has no values"},
		{"regex the engine lacks", sel("F|re: 'a(?=b)'"), "cannot be evaluated"},
		{"error in a search the condition skips", "a:\n    F: 1\nb:\n    G|expand: '%x%'\ncondition: a or b", "placeholder %x%"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Rule(parseRule(t, c.det), FromJSON(map[string]any{"F": 1}))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			if !strings.HasPrefix(err.Error(), "rule.yml:") {
				t.Fatalf("error %q does not give its position", err)
			}
		})
	}
}

func TestPlaceholders(t *testing.T) {
	r := parseRule(t, sel("Computer|expand: '%servers%'"))
	o := Options{Placeholders: map[string][]string{"servers": {"srv*", "dc1"}}}
	for ev, want := range map[string]bool{"SRV42": true, "dc1": true, "ws1": false} {
		got, err := o.Rule(r, FromJSON(map[string]any{"Computer": ev}))
		if err != nil || got.Matched != want {
			t.Errorf("%s: matched %v, %v; want %v", ev, got.Matched, err, want)
		}
	}
}

func TestExclusion(t *testing.T) {
	r := parseRule(t, "selection:\n    A: 1\nflt:\n    B: 1\ncondition: selection")
	r.Detection.Exclusions = []*ast.Exclusion{{Title: "benign", Expr: &ast.Ident{Name: "flt"}}}
	for ev, want := range map[string]bool{`{"A": 1}`: true, `{"A": 1, "B": 1}`: false} {
		got, err := Rule(r, event(t, ev))
		if err != nil || got.Matched != want {
			t.Errorf("%s: matched %v, %v; want %v", ev, got.Matched, err, want)
		}
		if !want && !strings.Contains(got.Reason, `filter "benign"`) {
			t.Errorf("%s: reason %q does not name the filter", ev, got.Reason)
		}
	}
}

func TestReason(t *testing.T) {
	r := parseRule(t, "selection:\n    Image|endswith: '\\cmd.exe'\n    CommandLine|contains: 'whoami'\nfilter:\n    User: SYSTEM\ncondition: selection and not filter")
	for ev, want := range map[string]string{
		`{"Image": "C:\\cmd.exe", "CommandLine": "net user"}`:                 `selection: field CommandLine: no value matched "*whoami*", event has "net user"`,
		`{"CommandLine": "whoami"}`:                                           `selection: field Image: no value matched "*\\cmd.exe", event has no such field`,
		`{"Image": "C:\\cmd.exe", "CommandLine": "whoami", "User": "system"}`: `filter matched`,
	} {
		got, err := Rule(r, event(t, ev))
		if err != nil || got.Matched || got.Reason != want {
			t.Errorf("%s: %+v, %v; want reason %q", ev, got, err, want)
		}
	}
}
