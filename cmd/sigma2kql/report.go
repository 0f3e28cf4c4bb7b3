package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/engine"
)

// Statuses of a rule in the report.
const (
	statusConverted = "converted" // it gave one or more documents
	statusFailed    = "failed"    // it could not be converted
	statusEmpty     = "empty"     // it gave nothing to write (a filter, or a condition left empty)
)

// A report describes a run for CI: what each rule became. It holds no
// time or other varying value, so that the same run writes the same
// report.
type report struct {
	Target  string         `json:"target"`
	Format  string         `json:"format"`
	Summary reportSummary  `json:"summary"`
	Rules   []reportedRule `json:"rules"`
	// Rejections groups the rules that failed by reason: the message of
	// their first error, most frequent first.
	Rejections []rejection   `json:"rejections,omitempty"`
	Removed    []string      `json:"removed,omitempty"` // files deleted by --prune
	Skipped    []skippedFile `json:"skipped,omitempty"` // files of a walk that hold no Sigma document
}

// A skippedFile is a file that a directory walk found but left out.
type skippedFile struct {
	Source string `json:"source"`
	Reason string `json:"reason"`
}

type reportSummary struct {
	Rules          int `json:"rules"`
	Converted      int `json:"converted"`
	Failed         int `json:"failed"`
	Empty          int `json:"empty"`
	FilesWritten   int `json:"files_written"`
	FilesUnchanged int `json:"files_unchanged"`
	FilesRemoved   int `json:"files_removed"`
	FilesSkipped   int `json:"files_skipped"` // not Sigma documents
}

type reportedRule struct {
	Source   string   `json:"source"`
	Title    string   `json:"title,omitempty"`
	ID       string   `json:"id,omitempty"`
	Status   string   `json:"status"`
	Outputs  []string `json:"outputs"`
	Error    string   `json:"error,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// A rejection is a reason for which rules failed, and the rules.
type rejection struct {
	Reason string   `json:"reason"`
	Count  int      `json:"count"`
	Rules  []string `json:"rules"`
}

// rejections groups the failed results by the message of their first
// error (without its position): most frequent first, then by reason.
func rejections(results []engine.Result) []rejection {
	byReason := map[string]*rejection{}
	var out []*rejection
	for _, r := range results {
		if r.Err == nil {
			continue
		}
		reason := firstMessage(r.Err)
		rj := byReason[reason]
		if rj == nil {
			rj = &rejection{Reason: reason}
			byReason[reason] = rj
			out = append(out, rj)
		}
		rj.Count++
		rj.Rules = append(rj.Rules, filepath.ToSlash(r.File))
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Reason < out[j].Reason
	})
	list := make([]rejection, len(out))
	for i, rj := range out {
		list[i] = *rj
	}
	return list
}

// firstMessage is the message of the first error of err, without its
// position.
func firstMessage(err error) string {
	switch e := err.(type) {
	case ast.ErrorList:
		if len(e) > 0 {
			return e[0].Msg
		}
	case *ast.Error:
		return e.Msg
	}
	return err.Error()
}

// printRejections writes the reasons of the rules that failed, most
// frequent first, one line each: the count and the reason.
func printRejections(w io.Writer, results []engine.Result) {
	rs := rejections(results)
	if len(rs) == 0 {
		return
	}
	fmt.Fprintln(w, "sigma2kql: rules rejected, by reason:")
	for _, r := range rs {
		fmt.Fprintf(w, "%6d  %s\n", r.Count, r.Reason)
	}
}

// buildReport summarises the results of a run and the files it wrote.
func buildReport(targetName, format string, results []engine.Result, out *outputs) *report {
	rep := &report{Target: targetName, Format: format, Rules: []reportedRule{}}
	rep.Summary.FilesWritten, rep.Summary.FilesUnchanged = out.written, out.unchanged
	rep.Summary.FilesRemoved = len(out.removed)
	for _, f := range out.removed {
		rep.Removed = append(rep.Removed, filepath.ToSlash(f))
	}
	for i, r := range results {
		rr := reportedRule{Source: filepath.ToSlash(r.File), Title: r.Title(), Outputs: []string{}}
		if rule, ok := r.Doc.(*ast.Rule); ok {
			rr.ID = rule.ID
		}
		for _, f := range out.files[i] {
			rr.Outputs = append(rr.Outputs, filepath.ToSlash(f))
		}
		switch {
		case r.Err != nil:
			rr.Status = statusFailed
			var b bytes.Buffer
			ast.PrintErrors(&b, withFile(r.Err, r.File))
			rr.Error = strings.TrimSuffix(b.String(), "\n")
			rep.Summary.Failed++
		case len(r.Queries) == 0:
			rr.Status = statusEmpty
			rep.Summary.Empty++
		default:
			rr.Status = statusConverted
			rep.Summary.Converted++
		}
		for _, w := range r.Warnings {
			rr.Warnings = append(rr.Warnings, withFile(w, r.File).Error())
		}
		rep.Rules = append(rep.Rules, rr)
	}
	rep.Summary.Rules = len(rep.Rules)
	rep.Rejections = rejections(results)
	return rep
}

// writeReport writes the report of the run to o.Report, as JSON or as
// JUnit XML.
func writeReport(o *convertOptions, targetName string, results, skipped []engine.Result, out *outputs) error {
	rep := buildReport(targetName, o.Format, results, out)
	for _, r := range skipped {
		rep.Skipped = append(rep.Skipped, skippedFile{Source: filepath.ToSlash(r.File), Reason: r.Skipped})
	}
	rep.Summary.FilesSkipped = len(skipped)
	return writeReportFile(o.Report, o.ReportFormat, rep)
}

// A junitReport is a report that can also be written as JUnit XML.
type junitReport interface {
	junit() ([]byte, error)
}

// writeReportFile writes rep to name, atomically, as JSON or, with format
// "junit", as JUnit XML.
func writeReportFile(name, format string, rep junitReport) error {
	var data []byte
	var err error
	if format == "junit" {
		data, err = rep.junit()
	} else {
		data, err = json.MarshalIndent(rep, "", "  ")
		data = append(data, '\n')
	}
	if err != nil {
		return err
	}
	_, err = writeFileAtomic(name, data)
	return err
}

// JUnit XML, as CI dashboards read it: one test suite for the run, one
// test case per rule, a failure per rule that failed.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func (rep *report) junit() ([]byte, error) {
	suite := junitSuite{Name: fmt.Sprintf("sigma2kql %s %s", rep.Target, rep.Format)}
	for _, r := range rep.Rules {
		name := path.Base(r.Source)
		if r.Title != "" {
			name += ": " + r.Title
		}
		c := junitCase{Name: name, Classname: strings.ReplaceAll(path.Dir(r.Source), "/", ".")}
		switch r.Status {
		case statusFailed:
			first, _, _ := strings.Cut(r.Error, "\n")
			c.Failure = &junitMessage{Message: first, Text: r.Error}
			suite.Failures++
		case statusEmpty:
			c.Skipped = &junitMessage{Message: "the rule gives no query"}
			suite.Skipped++
		}
		var lines []string
		lines = append(lines, r.Outputs...)
		lines = append(lines, r.Warnings...)
		c.SystemOut = strings.Join(lines, "\n")
		suite.Cases = append(suite.Cases, c)
	}
	suite.Tests = len(suite.Cases)
	all := junitSuites{Name: "sigma2kql", Tests: suite.Tests, Failures: suite.Failures, Suites: []junitSuite{suite}}
	data, err := xml.MarshalIndent(all, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(data, '\n')...), nil
}
