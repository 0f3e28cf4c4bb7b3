package splunk

import (
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// convert converts the rules of a Sigma source with the built-in pipelines
// named and returns the text the command line prints (without its last
// newline).
func convert(t *testing.T, src, format string, opts backends.Options, pipes ...string) (string, error) {
	t.Helper()
	f, err := parser.ParseFile("rule.yml", []byte(src))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	var ps []*pipeline.Pipeline
	for _, name := range pipes {
		p := pipeline.Builtin(name)
		if p == nil {
			t.Fatalf("no built-in pipeline %s", name)
		}
		ps = append(ps, p)
	}
	b := New(opts)
	var queries []string
	for _, d := range f.Docs {
		res, err := pipeline.Apply(pipeline.Sort(ps), d.(*ast.Rule), pipeline.Options{})
		if err != nil {
			return "", err
		}
		qs, err := b.Convert(res, format)
		if err != nil {
			return "", err
		}
		queries = append(queries, qs...)
	}
	return strings.TrimSuffix(b.Assemble(format, queries), "\n"), nil
}

// rule returns a process_creation rule with the given detection, indented
// by four spaces per level as in the test cases.
func rule(logsource, detection string) string {
	return "title: Test\nlogsource:\n" + indent(logsource) + "detection:\n" + indent(detection)
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

const procCreation = "product: windows\ncategory: process_creation"

// A searchCase is the detection of a process_creation rule and its SPL.
type searchCase struct {
	name, detection, want string
}

func runCases(t *testing.T, tests []searchCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := convert(t, rule(procCreation, tc.detection), FormatDefault, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestSearch covers the rendering of every kind of value and condition,
// mostly the reference's own examples.
func TestSearch(t *testing.T) {
	tests := []searchCase{
		{"plain", "sel:\n    CommandLine: whoami\ncondition: sel", `CommandLine="whoami"`},
		{"wildcards", "sel:\n    CommandLine: 'who*am?i'\ncondition: sel", `CommandLine="who*am*i"`},
		{"contains", "sel:\n    CommandLine|contains: whoami\ncondition: sel", `CommandLine="*whoami*"`},
		{"backslashes", `sel:
    Image|endswith: '\cmd.exe'
    CurrentDirectory: 'C:\Windows\'
condition: sel`, `Image="*\\cmd.exe" CurrentDirectory="C:\\Windows\\"`},
		{"escaped wildcard", `sel:
    CommandLine: 'foo\*bar\?'
condition: sel`, `CommandLine="foo\*bar?"`},
		{"backslash before wildcard", `sel:
    CommandLine: 'C:\\*'
condition: sel`, `CommandLine="C:\\*"`},
		{"quote", `sel:
    CommandLine|contains: 'say "hi"'
condition: sel`, `CommandLine="*say \"hi\"*"`},
		{"field names", `sel:
    'Command Line': a
    process.command_line: b
    cs-uri-query: c
condition: sel`, `"Command Line"="a" process.command_line="b" "cs-uri-query"="c"`},
		{"list", "sel:\n    CommandLine: [whoami, 'host*', '*net*']\ncondition: sel", `CommandLine IN ("whoami", "host*", "*net*")`},
		{"numbers", "sel:\n    ProcessId: [4, '8']\n    ParentProcessId: 4.5\ncondition: sel", `ProcessId IN (4, "8") ParentProcessId=4.5`},
		{"all", "sel:\n    CommandLine|contains|all: [a, b]\ncondition: sel", `CommandLine="*a*" CommandLine="*b*"`},
		{"map list", `sel:
    - Image|endswith: '\cmd.exe'
      CommandLine|contains: a
    - Image|endswith: '\pwsh.exe'
condition: sel`, `(Image="*\\cmd.exe" CommandLine="*a*") OR Image="*\\pwsh.exe"`},
		{"null and exists", `sel:
    CommandLine: null
    User|exists: true
    Image|exists: false
condition: sel`, `NOT CommandLine=* User=* NOT Image=*`},
		{"not null", `sel:
    Image: x
filter:
    CommandLine: null
condition: sel and not filter`, `Image="x" NOT NOT CommandLine=*`},
		{"empty and null", "sel:\n    CommandLine: ['', null]\ncondition: sel", `CommandLine="" OR NOT CommandLine=*`},
		{"bool", "sel:\n    Flag: true\ncondition: sel", `Flag=true`},
		{"compare", "sel:\n    ProcessId|gte: 100\n    ParentProcessId|lt: 5\ncondition: sel", `ProcessId>=100 ParentProcessId<5`},
		{"cidr", "sel:\n    DestinationIp|cidr: ['10.0.0.0/8', 'fe80::/10']\ncondition: sel", `DestinationIp="10.0.0.0/8" OR DestinationIp="fe80::/10"`},
		{"keywords", "keywords: [whoami, 'net*user', 4624]\ncondition: keywords", `"whoami" OR "net*user" OR 4624`},
		{"windash", "sel:\n    CommandLine|windash|contains: [' -a', 'b']\ncondition: sel",
			`CommandLine="* -a*" OR CommandLine="* /a*" OR CommandLine="* –a*" OR CommandLine="* —a*" OR CommandLine="* ―a*" OR CommandLine="*b*"`},
		{"base64offset all", "sel:\n    CommandLine|base64offset|contains|all: [whoami, hostname]\ncondition: sel",
			`CommandLine="*d2hvYW1p*" OR CommandLine="*dob2Fta*" OR CommandLine="*3aG9hbW*" CommandLine="*aG9zdG5hbW*" OR CommandLine="*hvc3RuYW1l*" OR CommandLine="*ob3N0bmFtZ*"`},
		{"neq", "sel:\n    CommandLine|neq: [a, b]\n    Image|neq: c\ncondition: sel", `NOT (CommandLine IN ("a", "b")) NOT Image="c"`},
		// SPL's OR binds tighter than its implicit AND.
		{"precedence", `a:
    CommandLine|contains: a
b:
    CommandLine|contains: b
c:
    CommandLine|contains: c
condition: a or b and not c`, `CommandLine="*a*" OR (CommandLine="*b*" NOT CommandLine="*c*")`},
		{"or inside and", `a:
    Image: a
b:
    CommandLine: b
c:
    User: c
condition: a and (b or c)`, `Image="a" CommandLine="b" OR User="c"`},
		{"nesting", `a:
    CommandLine|contains: a
b:
    CommandLine|contains: b
c:
    CommandLine|contains: c
d:
    CommandLine|contains: d
condition: (a and (b or (c and not d))) or not (a or b)`,
			`(CommandLine="*a*" CommandLine="*b*" OR (CommandLine="*c*" NOT CommandLine="*d*")) OR NOT (CommandLine IN ("*a*", "*b*"))`},
		{"several conditions", "a:\n    Image: a\nb:\n    Image: b\ncondition: [a, b]", "Image=\"a\"\n\nImage=\"b\""},
	}
	runCases(t, tests)
}

// TestDeferred covers the tests that run after the search command:
// regular expressions, field references and cased strings.
func TestDeferred(t *testing.T) {
	tests := []searchCase{
		{"regex alone", `sel:
    CommandLine|re: 'who(ami|is)\s+"/all'
condition: sel`, "*\n| regex CommandLine=\"who(ami|is)\\\\s+\\\"/all\""},
		{"regex flags", "sel:\n    CommandLine|re|i|s: 'a.b'\ncondition: sel", "*\n| regex CommandLine=\"(?is)a.b\""},
		{"regex negated in and", `sel:
    Image|endswith: '\cmd.exe'
filter:
    CommandLine|re: 'a.*b'
condition: sel and not filter`, "Image=\"*\\\\cmd.exe\"\n| regex CommandLine!=\"a.*b\""},
		{"regex in or, leading terms first", `sel:
    Image: a
    EventID: 1
re:
    - CommandLine|re: 'a.*b'
    - User: u
condition: sel and re`, `Image="a" EventID=1
| rex field=CommandLine "(?<CommandLineMatch>a.*b)"
| eval CommandLineCondition=if(isnotnull(CommandLineMatch), "true", "false")
| search CommandLineCondition="true" OR User="u"`},
		// A leading OR is not a term of the whole search: nothing moves
		// (the reference moves Image alone, and breaks the search).
		{"regex in or after an or", `img:
    - Image: a
    - OriginalFileName: b
re:
    - CommandLine|re: 'x'
    - CommandLine: y
condition: img and re`, `*
| rex field=CommandLine "(?<CommandLineMatch>x)"
| eval CommandLineCondition=if(isnotnull(CommandLineMatch), "true", "false")
| search Image="a" OR OriginalFileName="b" CommandLineCondition="true" OR CommandLine="y"`},
		{"regex list numbered", "sel:\n    CommandLine|re: [a, b]\ncondition: sel", `*
| rex field=CommandLine "(?<CommandLineMatch>a)"
| eval CommandLineCondition=if(isnotnull(CommandLineMatch), "true", "false")
| rex field=CommandLine "(?<CommandLineMatch2>b)"
| eval CommandLineCondition2=if(isnotnull(CommandLineMatch2), "true", "false")
| search CommandLineCondition="true" OR CommandLineCondition2="true"`},
		// not (a and re) is not "not a and not re": the regex is computed.
		{"regex under not of and", `a:
    Image: a
re:
    CommandLine|re: x
condition: not (a and re)`, `*
| rex field=CommandLine "(?<CommandLineMatch>x)"
| eval CommandLineCondition=if(isnotnull(CommandLineMatch), "true", "false")
| search NOT (Image="a" CommandLineCondition="true")`},
		{"regex and or-regex", `sel:
    Image: a
alt:
    - CommandLine|re: x
    - User: u
re:
    ParentImage|re: y
condition: sel and alt and re`, `Image="a"
| rex field=CommandLine "(?<CommandLineMatch>x)"
| eval CommandLineCondition=if(isnotnull(CommandLineMatch), "true", "false")
| search CommandLineCondition="true" OR User="u"
| regex ParentImage="y"`},
		// Like the reference, a regular expression reached through "1 of"
		// is computed, even when the pattern matches one search.
		{"regex under not 1 of", `sel:
    Image: a
filter_re:
    CommandLine|re: x
condition: sel and not 1 of filter_*`, `Image="a"
| rex field=CommandLine "(?<CommandLineMatch>x)"
| eval CommandLineCondition=if(isnotnull(CommandLineMatch), "true", "false")
| search NOT CommandLineCondition="true"`},
		{"fieldref under not 1 of", `sel:
    Image: a
filter_ref:
    User|fieldref: ParentUser
condition: sel and not 1 of filter_*`, "Image=\"a\"\n| where NOT 'User'='ParentUser'"},
		{"keyword regex", "keywords:\n    '|re': 'who.*ami'\ncondition: keywords", "*\n| regex _raw=\"who.*ami\""},
		{"fieldref", `sel:
    Image: a
filter:
    User|fieldref: ParentUser
condition: sel and not filter`, "Image=\"a\"\n| where NOT 'User'='ParentUser'"},
		{"fieldref in or", "sel:\n    CommandLine|fieldref: [ParentCommandLine, Image]\ncondition: sel", `*
| eval CommandLineCondition=if('CommandLine'='ParentCommandLine', "true", "false")
| eval CommandLineCondition2=if('CommandLine'='Image', "true", "false")
| search CommandLineCondition="true" OR CommandLineCondition2="true"`},
		{"fieldref contains", "sel:\n    CommandLine|fieldref|contains: User\ncondition: sel", "*\n| where like('CommandLine', \"%\".'User'.\"%\")"},
		// A name that is not one word cannot be the field of | regex or
		// | rex: eval's match() reads it in single quotes.
		{"regex on a field with a space", "sel:\n    'Command Line|re': 'a\\d'\ncondition: sel",
			"*\n| where isnotnull('Command Line') AND match('Command Line', \"a\\\\d\")"},
		{"regex negated on a field with a quote", "sel:\n    Image: a\nfilter:\n    \"x'y|re\": 'b'\ncondition: sel and not filter",
			"Image=\"a\"\n| where isnull('x\\'y') OR NOT match('x\\'y', \"b\")"},
		{"regex in or on a field with an equals sign", "sel:\n    - 'a=b|re': 'c'\n    - User: u\ncondition: sel", `*
| eval a_bCondition=if(isnotnull('a=b') AND match('a=b', "c"), "true", "false")
| search a_bCondition="true" OR User="u"`},
		{"regex on a dashed field stays a regex command", "sel:\n    cs-uri|re: 'x'\ncondition: sel", "*\n| regex cs-uri=\"x\""},
		{"cased", "sel:\n    CommandLine|cased: 'Who?mI.*'\n    Image|cased|endswith: 'X.exe'\ncondition: sel",
			"*\n| regex CommandLine=\"(?s)^Who.mI\\\\.\"\n| regex Image=\"X\\\\.exe\\\\z\""},
	}
	runCases(t, tests)
}

func TestErrors(t *testing.T) {
	tests := []struct{ name, detection, want string }{
		{"timestamp part", "sel:\n    Timestamp|hour: 3\ncondition: sel", "timestamp parts"},
		{"placeholder", "sel:\n    User|expand: '%Admins%'\ncondition: sel", "placeholder %Admins% has no value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := convert(t, rule(procCreation, tc.detection), FormatDefault, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestGroupNames(t *testing.T) {
	p := &printer{names: map[string]int{}}
	for _, tc := range []struct{ field, base, n string }{
		{"CommandLine", "CommandLine", ""},
		{"CommandLine", "CommandLine", "2"},
		{"Processes.process", "process", ""},
		{"c-uri", "c_uri", ""},
		{"", "raw", ""},
		{"1st", "_1st", ""},
	} {
		base, n := p.name(tc.field)
		if base != tc.base || n != tc.n {
			t.Errorf("name(%q) = %q, %q; want %q, %q", tc.field, base, n, tc.base, tc.n)
		}
	}
	long := strings.Repeat("x", 40)
	base, _ := p.name(long)
	if len(base+"Match") > maxGroupName {
		t.Errorf("group name %sMatch is longer than %d", base, maxGroupName)
	}
	if other, _ := p.name(strings.Repeat("x", 39) + "y"); other == base {
		t.Errorf("two long names shorten to the same %s", base)
	}
}

// TestCasedRegex: the regular expression of a cased value, as PCRE reads
// it, matches exactly the value's strings. PCRE's "$" also matches before a
// final line break, and its "." matches no line break without (?s): the end
// is "\z" and wildcards are under (?s). Control characters are \xhh, so
// that no line break or NUL is written raw into the search.
func TestCasedRegex(t *testing.T) {
	for _, tc := range []struct {
		value   string
		keyword bool
		want    string
	}{
		{"WhoAmI", false, `^WhoAmI\z`},
		{"*WhoAmI", false, `WhoAmI\z`},
		{"WhoAmI*", false, `^WhoAmI`},
		{"*Who?m*I*", false, `(?s)Who.m.*I`},
		{"a.b", true, `a\.b`},
		{"*", false, `\z`}, // any string: an end is in every one
		{"a\nb\x00c\x7f", false, `^a\x0ab\x00c\x7f\z`},
		{"é*中", false, `(?s)^é.*中\z`},
	} {
		got := casedRegex(ast.ParseString(ast.Pos{}, tc.value), tc.keyword).Pattern
		if got != tc.want {
			t.Errorf("casedRegex(%q) = %s, want %s", tc.value, got, tc.want)
		}
	}
}

// TestSavedSearchesLineBreaks: a value with a line break, or a backslash
// before one, stays inside its setting and its quotes: the break is written
// as a continuation, and the search read back from the file is the plain
// search.
func TestSavedSearchesLineBreaks(t *testing.T) {
	src := rule(procCreation, "sel:\n    CommandLine|contains:\n        - \"a\\nb\"\n        - \"c\\\\\\nd = e\"\n    Image|re: \"x\\ny\"\ncondition: sel")
	search, err := convert(t, src, FormatDefault, nil, "splunk_windows")
	if err != nil {
		t.Fatal(err)
	}
	if want := "CommandLine IN (\"*a\nb*\", \"*c\\\\\nd = e*\")\n| regex Image=\"x\ny\""; search != want {
		t.Fatalf("search %q, want %q", search, want)
	}
	conf, err := convert(t, src, FormatSavedSearches, nil, "splunk_windows")
	if err != nil {
		t.Fatal(err)
	}
	stanzas, err := parseConf(conf)
	if err != nil {
		t.Fatalf("%v\n%s", err, conf)
	}
	if len(stanzas) != 2 {
		t.Fatalf("%d stanzas, want 2:\n%s", len(stanzas), conf)
	}
	if got := strings.ReplaceAll(stanzas[1].values["search"], " \n|", "\n|"); got != search {
		t.Errorf("search read back\n%q\nwant\n%q\n%s", got, search, conf)
	}
}

func TestQuote(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`a`, `"a"`},
		{`a"b\c`, `"a\"b\\c"`},
	} {
		if got := quoteText(tc.in); got != tc.want {
			t.Errorf("quoteText(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{`C:\x\\*`, `"C:\\x\\*"`},
		{`C:\x\*`, `"C:\\x\*"`},
		{`a\*b`, `"a\*b"`},
		{`a?b`, `"a*b"`},
		{`"q"`, `"\"q\""`},
		{``, `""`},
	} {
		if got := quoteValue(ast.ParseString(ast.Pos{}, tc.in)); got != tc.want {
			t.Errorf("quoteValue(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"CommandLine", "CommandLine"},
		{"Processes.process", "Processes.process"},
		{"Ünïcødé_1", "Ünïcødé_1"},
		{"c-uri", `"c-uri"`},
		{`a "b"`, `"a \"b\""`},
	} {
		if got := quoteField(tc.in); got != tc.want {
			t.Errorf("quoteField(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if got := evalField(`it's`); got != `'it\'s'` {
		t.Errorf("evalField = %s", got)
	}
}

func TestWindowsPipelines(t *testing.T) {
	src := rule("product: windows\ncategory: process_creation\nservice: sysmon", `sel:
    EventID: 1
    CommandLine: x
sel2:
    Image: y
condition: sel or sel2`)
	got, err := convert(t, src, FormatDefault, nil, "splunk_sysmon_acceleration", "splunk_windows")
	if err != nil {
		t.Fatal(err)
	}
	want := `"ParentProcessGuid" source="WinEventLog:Microsoft-Windows-Sysmon/Operational" (EventCode=1 CommandLine="x") OR Image="y"`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	got, err = convert(t, rule("product: windows\nservice: powershell", "sel:\n    EventID: 4104\ncondition: sel\n")+"fields: [EventID, ScriptBlockText]\n", FormatDefault, nil, "splunk_windows")
	if err != nil {
		t.Fatal(err)
	}
	want = `source IN ("WinEventLog:Microsoft-Windows-PowerShell/Operational", "WinEventLog:PowerShellCore/Operational") EventCode=4104 | table EventCode,ScriptBlockText`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestDataModel(t *testing.T) {
	src := rule("product: windows\ncategory: process_creation", `sel:
    Image|endswith: '\curl.exe'
re:
    - CommandLine|re: '\s-k\s'
    - CommandLine|contains: '--insecure'
condition: sel and re`)
	got, err := convert(t, src, FormatDataModel, nil, "splunk_cim")
	if err != nil {
		t.Fatal(err)
	}
	want := `| tstats summariesonly=false allow_old_summaries=true fillnull_value="null" count min(_time) as firstTime max(_time) as lastTime from datamodel=Endpoint.Processes where Processes.process_path="*\\curl.exe" by Processes.process Processes.dest Processes.process_current_directory Processes.process_path Processes.process_integrity_level Processes.original_file_name Processes.parent_process Processes.parent_process_path Processes.parent_process_guid Processes.parent_process_id Processes.process_guid Processes.process_id Processes.user | rex field=Processes.process "(?<processMatch>\\s-k\\s)" | eval processCondition=if(isnotnull(processMatch), "true", "false") | search processCondition="true" OR Processes.process="*--insecure*" | ` + "`drop_dm_object_name(Processes)`" + ` | convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(firstTime) | convert timeformat="%Y-%m-%dT%H:%M:%S" ctime(lastTime) `
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	proxy := rule("category: proxy", "sel:\n    c-uri|contains: /evil\ncondition: sel")
	got, err = convert(t, proxy, FormatDataModel, nil, "splunk_cim")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "from datamodel=Web.Proxy where Web.url=\"*/evil*\" by Web.url ") || !strings.Contains(got, "`drop_dm_object_name(Web)`") {
		t.Errorf("proxy data model search: %s", got)
	}
	if _, err := convert(t, src, FormatDataModel, nil, "splunk_windows"); err == nil || !strings.Contains(err.Error(), "splunk_cim") {
		t.Errorf("data_model without CIM state: got error %v", err)
	}
}

func TestCIMPipeline(t *testing.T) {
	for _, tc := range []struct{ logsource, detection, want string }{
		{"product: windows\ncategory: process_creation", "sel:\n    Hashes: x\ncondition: sel", `"Hashes" has no field in the CIM data model Endpoint.Processes`},
		{"product: windows\ncategory: process_creation", "keywords: [x]\ncondition: keywords", `a keyword (a value without a field) has no field`},
		{"product: windows\ncategory: process_creation", "sel:\n    Image|fieldref: Hashes\ncondition: sel", `"Hashes" has no field`},
		{"product: windows\ncategory: file_delete", "sel:\n    Image: x\ncondition: sel", "pipeline splunk_cim has no CIM data model for this log source"},
		{"product: macos\ncategory: process_creation", "sel:\n    Image: x\ncondition: sel", "pipeline splunk_cim has no CIM data model for this log source"},
	} {
		_, err := convert(t, rule(tc.logsource, tc.detection), FormatDefault, nil, "splunk_cim")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got error %v, want one containing %q", tc.detection, err, tc.want)
		}
	}
	got, err := convert(t, rule("category: network\nservice: dns", "sel:\n    dns.question.name|endswith: .evil\ncondition: sel")+"fields: [source.ip, dns.question.name]\n", FormatDefault, nil, "splunk_cim")
	if want := `DNS.query="*.evil" | table DNS.src,DNS.query`; err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}

func TestFields(t *testing.T) {
	for _, tc := range []struct{ detection, want string }{
		{"sel:\n    CommandLine: x\ncondition: sel", `CommandLine="x" | table CommandLine,"Parent Image"`},
		{"sel:\n    CommandLine|re: x\ncondition: sel", "*\n| regex CommandLine=\"x\" | table CommandLine,\"Parent Image\""},
	} {
		got, err := convert(t, rule(procCreation, tc.detection)+"fields: [CommandLine, Parent Image]\n", FormatDefault, nil)
		if err != nil || got != tc.want {
			t.Errorf("got %q, %v; want %q", got, err, tc.want)
		}
	}
}
