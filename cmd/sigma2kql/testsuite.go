package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/match"
	"github.com/sigma2kql/sigma2kql/parser"
)

// A ruleSet holds the rule files given to 'test'. Files are parsed when a
// test needs them: a lookup by path parses one file, a lookup by id all.
type ruleSet struct {
	files  []string               // in the order given, directories walked in sorted order
	parsed map[string]*parsedRule // by file name
	byID   map[string]ruleRef     // filled on the first lookup by id
}

type parsedRule struct {
	docs []ast.Document
	err  string // why the file could not be read, or its parse errors
}

// A ruleRef is a document of a rule file.
type ruleRef struct {
	file string
	doc  ast.Document
}

func newRuleSet(paths []string) (*ruleSet, error) {
	set, err := collectInputs(&convertOptions{Paths: paths})
	if err != nil {
		return nil, err
	}
	rs := &ruleSet{parsed: map[string]*parsedRule{}}
	for _, in := range set.inputs {
		if in.Name == "<stdin>" {
			return nil, usagef("test reads rules from files, not from standard input")
		}
		rs.files = append(rs.files, in.Name)
	}
	return rs, nil
}

// parse reads and parses a rule file once.
func (rs *ruleSet) parse(name string) *parsedRule {
	if p, ok := rs.parsed[name]; ok {
		return p
	}
	p := &parsedRule{}
	rs.parsed[name] = p
	src, err := os.ReadFile(name)
	if err != nil {
		p.err = fmt.Sprintf("cannot read %s: %v", name, cleanPathErr(err))
		return p
	}
	f, err := parser.ParseFile(name, src)
	if f != nil {
		p.docs = f.Docs
	}
	if err != nil {
		var b bytes.Buffer
		ast.PrintErrors(&b, withFile(err, name))
		p.err = strings.TrimSuffix(b.String(), "\n")
	}
	return p
}

// byPath returns the rule files whose path ends with rel.
func (rs *ruleSet) byPath(rel string) []string {
	rel = filepath.ToSlash(rel)
	var out []string
	for _, f := range rs.files {
		s := filepath.ToSlash(f)
		if s == rel || strings.HasSuffix(s, "/"+rel) {
			out = append(out, f)
		}
	}
	return out
}

// lookupID finds the document with the given id among all the files.
func (rs *ruleSet) lookupID(id string) (ruleRef, bool) {
	if rs.byID == nil {
		rs.byID = map[string]ruleRef{}
		for _, f := range rs.files {
			for _, d := range rs.parse(f).docs {
				if id := docMeta(d).ID; id != "" {
					if _, dup := rs.byID[id]; !dup {
						rs.byID[id] = ruleRef{f, d}
					}
				}
			}
		}
	}
	r, ok := rs.byID[id]
	return r, ok
}

// find returns the rule of a regression test: the document with the id in
// a file at the test's path, else the document with the id in any file,
// else the first document of a file at the path. A file at the path that
// does not parse is reported, not passed over.
func (rs *ruleSet) find(rel, id string) (ref ruleRef, errMsg string, found bool) {
	files := rs.byPath(rel)
	for _, f := range files {
		for _, d := range rs.parse(f).docs {
			if id != "" && docMeta(d).ID == id {
				return ruleRef{f, d}, "", true
			}
		}
	}
	if id != "" {
		if r, ok := rs.lookupID(id); ok {
			return r, "", true
		}
	}
	for _, f := range files {
		switch p := rs.parse(f); {
		case p.err != "":
			return ruleRef{file: f}, p.err, true
		case len(p.docs) > 0:
			return ruleRef{f, p.docs[0]}, "", true
		}
	}
	return ruleRef{}, "", false
}

func docMeta(d ast.Document) *ast.Meta {
	switch d := d.(type) {
	case *ast.Rule:
		return &d.Meta
	case *ast.Correlation:
		return &d.Meta
	case *ast.Filter:
		return &d.Meta
	}
	return &ast.Meta{}
}

// regressionInfo is the part of a SigmaHQ info.yml that 'test' reads.
type regressionInfo struct {
	RuleMetadata []struct {
		ID    string `yaml:"id"`
		Title string `yaml:"title"`
	} `yaml:"rule_metadata"`
	Tests []struct {
		Name       string `yaml:"name"`
		Type       string `yaml:"type"`
		Path       string `yaml:"path"`
		MatchCount *int   `yaml:"match_count"`
	} `yaml:"regression_tests_info"`
}

// regressionTests reads the tests of a SigmaHQ regression directory.
func regressionTests(dir string, rules *ruleSet, atLeast bool) ([]*ruleTest, error) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		if err == nil {
			return nil, usagef("--regression %s: expected a directory", dir)
		}
		return nil, usagef("cannot read %s: %v", dir, cleanPathErr(err))
	}
	var infos []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "info.yml" {
			infos = append(infos, path)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(infos)
	var tests []*ruleTest
	for _, info := range infos {
		tests = append(tests, infoTests(dir, info, rules, atLeast)...)
	}
	return tests, nil
}

// infoTests returns the tests one info.yml describes.
func infoTests(root, info string, rules *ruleSet, atLeast bool) []*ruleTest {
	folder := filepath.Dir(info)
	rel, err := filepath.Rel(root, folder)
	if err != nil {
		rel = folder
	}
	rel = filepath.ToSlash(rel)
	fail := func(reason string) []*ruleTest {
		return []*ruleTest{{Name: rel, Events: info, Verdict: verdictFail, Reason: reason}}
	}
	src, err := os.ReadFile(info)
	if err != nil {
		return fail(fmt.Sprintf("cannot read %s: %v", info, cleanPathErr(err)))
	}
	var ri regressionInfo
	if err := yaml.Unmarshal(src, &ri); err != nil {
		return fail(fmt.Sprintf("%s: %v", info, err))
	}
	if len(ri.Tests) == 0 {
		return []*ruleTest{{Name: rel, Verdict: verdictSkip, Reason: info + " lists no regression_tests_info"}}
	}
	id := ""
	if len(ri.RuleMetadata) > 0 {
		id = ri.RuleMetadata[0].ID
	}
	// The folder's path under rules/ is the rule's path without .yml.
	rulePath := strings.TrimPrefix(rel, "rules/") + ".yml"
	ref, parseErr, found := rules.find(rulePath, id)
	var tests []*ruleTest
	for _, ti := range ri.Tests {
		t := &ruleTest{Name: rel, RuleFile: ref.file, Rule: ref.doc, RuleErr: parseErr, Count: -1, AtLeast: atLeast}
		if len(ri.Tests) > 1 {
			t.Name += ": " + ti.Name
		}
		if ti.MatchCount != nil {
			t.Count = *ti.MatchCount
		}
		base := strings.TrimSuffix(filepath.Base(ti.Path), filepath.Ext(ti.Path))
		t.Events = filepath.Join(folder, base+".json")
		switch {
		case !found:
			t.Skip = fmt.Sprintf("rule %s (%s) is not among the given rules", id, rulePath)
		case ti.Type != "evtx":
			t.Skip = fmt.Sprintf("events of type %q are not read; only evtx events converted to JSON are", ti.Type)
		}
		tests = append(tests, t)
	}
	return tests
}

// eventTests pairs every rule of the given files with every events file.
func eventTests(events string, noMatch bool, rules *ruleSet) ([]*ruleTest, error) {
	files, err := eventFiles(events)
	if err != nil {
		return nil, err
	}
	var tests []*ruleTest
	for _, rf := range rules.files {
		p := rules.parse(rf)
		docs := p.docs
		if p.err != "" {
			docs = []ast.Document{nil}
		}
		for _, d := range docs {
			for _, ef := range files {
				t := &ruleTest{Name: ef, RuleFile: rf, Rule: d, RuleErr: p.err, Events: ef, Count: -1, NoMatch: noMatch}
				if len(docs) > 1 {
					// Several documents of one file: say which.
					t.Name += fmt.Sprintf(" [%s]", docMeta(d).Title)
				}
				if _, isFilter := d.(*ast.Filter); isFilter {
					t.Skip = "a Sigma filter is not a rule to test"
				}
				tests = append(tests, t)
			}
		}
	}
	return tests, nil
}

// eventFiles returns the events file, or the .json and .jsonl files of a
// directory in sorted order.
func eventFiles(path string) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, usagef("cannot read %s: %v", path, cleanPathErr(err))
	}
	if !fi.IsDir() {
		return []string{path}, nil
	}
	var out []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(d.Name(), ".json") || strings.HasSuffix(d.Name(), ".jsonl")) {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, usagef("no .json or .jsonl events files in %s", path)
	}
	sort.Strings(out)
	return out, nil
}

// An eventCache reads each events file once.
type eventCache struct {
	files map[string]eventsOrErr
}

type eventsOrErr struct {
	events []match.Event
	err    error
}

func (c *eventCache) read(name string) ([]match.Event, error) {
	if e, ok := c.files[name]; ok {
		return e.events, e.err
	}
	var e eventsOrErr
	f, err := os.Open(name)
	if err != nil {
		e.err = fmt.Errorf("cannot read events %s: %v", name, cleanPathErr(err))
	} else {
		e.events, e.err = match.ReadEvents(f)
		f.Close()
		if e.err != nil {
			e.err = fmt.Errorf("events %s: %v", name, e.err)
		}
	}
	c.files[name] = e
	return e.events, e.err
}
