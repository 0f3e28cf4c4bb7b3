package main

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"path/filepath"
	"strings"
)

// A testReport describes a run of 'sigma2kql test' for CI. Like the
// report of convert, it holds no time or other varying value.
type testReport struct {
	Summary testSummary    `json:"summary"`
	Tests   []reportedTest `json:"tests"`
}

type testSummary struct {
	Tests   int `json:"tests"`
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

type reportedTest struct {
	Name   string `json:"name"`
	Rule   string `json:"rule,omitempty"`
	ID     string `json:"id,omitempty"`
	Title  string `json:"title,omitempty"`
	Events string `json:"events,omitempty"`
	Status string `json:"status"` // pass, fail or skip
	Reason string `json:"reason,omitempty"`
}

// reportTests prints one line per test and the summary, writes the
// report, and returns errFailed when a test failed or none ran.
func reportTests(o *testOptions, tests []*ruleTest) error {
	rep := &testReport{Tests: []reportedTest{}}
	w := bufio.NewWriter(o.Stdout)
	for _, t := range tests {
		rt := reportedTest{Name: t.Name, Rule: filepath.ToSlash(t.RuleFile), Events: filepath.ToSlash(t.Events), Status: strings.ToLower(t.Verdict), Reason: t.Reason}
		if t.Rule != nil {
			m := docMeta(t.Rule)
			rt.ID, rt.Title = m.ID, m.Title
		}
		rep.Tests = append(rep.Tests, rt)
		line := t.Verdict + " " + t.Name
		if t.RuleFile != "" {
			line += " (" + t.RuleFile + ")"
		}
		if t.Reason != "" {
			line += ": " + t.Reason
		}
		fmt.Fprintln(w, line)
		switch t.Verdict {
		case verdictPass:
			rep.Summary.Passed++
		case verdictFail:
			rep.Summary.Failed++
		default:
			rep.Summary.Skipped++
		}
	}
	s := &rep.Summary
	s.Tests = len(tests)
	fmt.Fprintf(w, "%d passed, %d failed", s.Passed, s.Failed)
	if s.Skipped > 0 {
		fmt.Fprintf(w, ", %d skipped", s.Skipped)
	}
	fmt.Fprintln(w)
	if err := w.Flush(); err != nil {
		return err
	}
	if o.Report != "" {
		if err := rep.write(o.Report, o.ReportFormat); err != nil {
			return err
		}
	}
	if s.Passed == 0 && s.Failed == 0 {
		fmt.Fprintln(o.Stderr, "sigma2kql: no test ran: every test was skipped")
	}
	if s.Failed > 0 || s.Passed == 0 {
		return errFailed
	}
	return nil
}

func (rep *testReport) write(name, format string) error {
	return writeReportFile(name, format, rep)
}

// junit writes the tests with the JUnit types of convert's report: one
// test case per test, a failure or a skip with its reason.
func (rep *testReport) junit() ([]byte, error) {
	suite := junitSuite{Name: "sigma2kql test", Skipped: rep.Summary.Skipped, Failures: rep.Summary.Failed, Tests: rep.Summary.Tests}
	for _, t := range rep.Tests {
		c := junitCase{Name: t.Name, Classname: strings.ReplaceAll(strings.TrimSuffix(t.Rule, filepath.Ext(t.Rule)), "/", "."), SystemOut: t.Events}
		switch t.Status {
		case "fail":
			c.Failure = &junitMessage{Message: t.Reason}
		case "skip":
			c.Skipped = &junitMessage{Message: t.Reason}
		}
		suite.Cases = append(suite.Cases, c)
	}
	all := junitSuites{Name: "sigma2kql", Tests: suite.Tests, Failures: suite.Failures, Suites: []junitSuite{suite}}
	data, err := xml.MarshalIndent(all, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(data, '\n')...), nil
}
