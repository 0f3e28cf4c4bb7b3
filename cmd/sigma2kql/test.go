package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/match"
)

// testOptions are the flags of 'sigma2kql test'.
type testOptions struct {
	Events       string
	Regression   string
	Expect       string
	MatchCount   string
	Report       string
	ReportFormat string
	Placeholders []string
	Paths        []string
	Stdout       io.Writer
	Stderr       io.Writer
}

// Verdicts of a rule test.
const (
	verdictPass = "PASS"
	verdictFail = "FAIL"
	verdictSkip = "SKIP"
)

// A ruleTest is one rule run on one events file, with what is expected.
type ruleTest struct {
	Name     string // what the test is called in the output
	RuleFile string
	Rule     ast.Document // nil when the rule could not be found or read
	RuleErr  string       // why there is no rule
	Skip     string       // why the test is skipped
	Events   string       // the events file
	Count    int          // events the rule must match; -1: at least one
	AtLeast  bool         // Count is a minimum
	NoMatch  bool         // the rule must match no event
	Verdict  string
	Reason   string
}

func newTestCmd(stdout, stderr io.Writer) *cobra.Command {
	o := &testOptions{Stdout: stdout, Stderr: stderr}
	c := &cobra.Command{
		Use:   "test (--events FILE_OR_DIR | --regression DIR) RULE...",
		Short: "Test Sigma rules on recorded events",
		Long: `test evaluates Sigma rules on JSON events, with Sigma's own matching
semantics, and prints one line per test: PASS or FAIL, the test, the rule
file, and on failure why (which search failed on which field and value).
The last line counts the tests: "N passed, N failed" (", N skipped").

With --events, every rule runs on every events file (a file of JSON objects,
one after another or one per line, or a directory of .json and .jsonl
files); each rule must match at least one event of each file, or none with
--expect nomatch.

With --regression, DIR holds tests in SigmaHQ's regression layout: folders
with an info.yml naming the rule (rule_metadata id) and its events
(<uuid>.json); the rule is looked up among the given rule files by the
folder's path, then by id. A test passes when the rule matches match_count
events of the file or more (with --match-count exact, exactly that many),
or at least one when match_count is absent. A test whose rule is not among
the given rules is skipped, and said so.

Exit status: 0 when every test ran passed, 1 when one failed or none ran,
2 on usage errors.`,
		Example: `  sigma2kql test --events events.json rules/proc_creation_win_whoami.yml
  sigma2kql test --events benign/ --expect nomatch rules/
  sigma2kql test --regression regression_data/ rules/`,
		RunE: func(c *cobra.Command, args []string) error {
			o.Paths = args
			return runTest(o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.Events, "events", "", "JSON events file, or directory of .json and .jsonl files, to run every rule on")
	f.StringVar(&o.Regression, "regression", "", "directory of tests in SigmaHQ's regression layout (info.yml and <uuid>.json per rule)")
	f.StringVar(&o.Expect, "expect", "match", "with --events: match (each rule matches an event of each file) or nomatch (no event)")
	f.StringVar(&o.MatchCount, "match-count", "at-least", "with --regression: at-least (match_count is a minimum: the test asks whether the rule detects its events) or exact (match_count events must match, no more)")
	f.StringArrayVar(&o.Placeholders, "placeholder", nil, "placeholder values NAME=v1,v2 for the expand modifier (repeatable)")
	f.StringVar(&o.Report, "report", "", "write a report of the tests to this file")
	f.StringVar(&o.ReportFormat, "report-format", "json", "format of --report: json or junit")
	return c
}

func runTest(o *testOptions) error {
	if (o.Events == "") == (o.Regression == "") {
		return usagef("test needs either --events FILE_OR_DIR or --regression DIR, and the rules to test")
	}
	if len(o.Paths) == 0 {
		return usagef("no rules to test: give rule files or directories after the flags")
	}
	if o.Expect != "match" && o.Expect != "nomatch" {
		return usagef("--expect %q: expected match or nomatch", o.Expect)
	}
	if o.MatchCount != "exact" && o.MatchCount != "at-least" {
		return usagef("--match-count %q: expected exact or at-least", o.MatchCount)
	}
	if o.ReportFormat != "json" && o.ReportFormat != "junit" {
		return usagef("report format %q: expected json or junit", o.ReportFormat)
	}
	opts := match.Options{Placeholders: map[string][]string{}}
	for _, kv := range o.Placeholders {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usagef("placeholder %q: expected NAME=value1,value2", kv)
		}
		opts.Placeholders[strings.Trim(k, "%")] = strings.Split(v, ",")
	}
	rules, err := newRuleSet(o.Paths)
	if err != nil {
		return err
	}
	var tests []*ruleTest
	if o.Regression != "" {
		tests, err = regressionTests(o.Regression, rules, o.MatchCount == "at-least")
	} else {
		tests, err = eventTests(o.Events, o.Expect == "nomatch", rules)
	}
	if err != nil {
		return err
	}
	ev := &eventCache{files: map[string]eventsOrErr{}}
	for _, t := range tests {
		t.run(opts, ev)
	}
	return reportTests(o, tests)
}

// run evaluates the rule on every event of the file and gives the verdict.
func (t *ruleTest) run(opts match.Options, cache *eventCache) {
	if t.Verdict != "" {
		return // decided while reading the test
	}
	rule, err := t.rule()
	switch {
	case t.Skip != "":
		t.Verdict, t.Reason = verdictSkip, t.Skip
		return
	case err != "":
		t.Verdict, t.Reason = verdictFail, err
		return
	}
	events, rerr := cache.read(t.Events)
	if rerr != nil {
		t.Verdict, t.Reason = verdictFail, rerr.Error()
		return
	}
	var matched []int
	miss := ""
	for i, ev := range events {
		r, err := opts.Rule(rule, ev)
		if err != nil {
			var b bytes.Buffer
			ast.PrintErrors(&b, withFile(err, t.RuleFile))
			t.Verdict, t.Reason = verdictFail, "cannot evaluate the rule: "+strings.ReplaceAll(strings.TrimSuffix(b.String(), "\n"), "\n", "; ")
			return
		}
		if r.Matched {
			matched = append(matched, i+1)
		} else if miss == "" {
			miss = fmt.Sprintf("event %d: %s", i+1, r.Reason)
		}
	}
	t.judge(len(events), matched, miss)
}

// rule returns the rule to evaluate, or why there is none.
func (t *ruleTest) rule() (*ast.Rule, string) {
	switch d := t.Rule.(type) {
	case *ast.Rule:
		return d, ""
	case *ast.Correlation:
		return nil, fmt.Sprintf("%s: correlation rules are not evaluated yet", d.Pos())
	case *ast.Filter:
		return nil, fmt.Sprintf("%s: a Sigma filter is not a rule to test", d.Pos())
	}
	if t.RuleErr != "" {
		return nil, strings.ReplaceAll(t.RuleErr, "\n", "; ")
	}
	return nil, "no rule"
}

// judge compares the events that matched with what the test expects.
func (t *ruleTest) judge(n int, matched []int, miss string) {
	t.Verdict = verdictFail
	switch {
	case n == 0:
		t.Reason = "the events file holds no event"
	case t.NoMatch && len(matched) > 0:
		t.Reason = fmt.Sprintf("matched %d of %s, expected none: %s", len(matched), events(n), eventList(matched))
	case t.NoMatch:
		t.Verdict = verdictPass
	case t.Count < 0 && len(matched) == 0:
		t.Reason = fmt.Sprintf("matched none of %s; %s", events(n), miss)
	case t.Count < 0 || len(matched) == t.Count:
		t.Verdict = verdictPass
	case t.AtLeast && len(matched) > t.Count:
		t.Verdict = verdictPass
		t.Reason = fmt.Sprintf("matched %d of %s; match_count %d is taken as a minimum (--match-count exact to require it)", len(matched), events(n), t.Count)
	case len(matched) < t.Count:
		t.Reason = fmt.Sprintf("matched %d of %s, expected %d; %s", len(matched), events(n), t.Count, miss)
	default:
		t.Reason = fmt.Sprintf("matched %d of %s, expected %d: %s", len(matched), events(n), t.Count, eventList(matched))
	}
}

// events counts events in words: "1 event", "3 events".
func events(n int) string {
	if n == 1 {
		return "1 event"
	}
	return fmt.Sprintf("%d events", n)
}

func eventList(idx []int) string {
	parts := make([]string, len(idx))
	for i, x := range idx {
		parts[i] = fmt.Sprint(x)
	}
	if len(parts) == 1 {
		return "event " + parts[0]
	}
	return "events " + strings.Join(parts, ", ")
}
