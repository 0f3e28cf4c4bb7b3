// Package regression runs converted queries on the regression events of
// ../shared/conformance/regression: for each test, it converts the test's
// rule with a pipeline, models the rows the target records for the test's
// events (internal/testsupport/rowmodel), and evaluates the query on them
// (internal/testsupport/kqleval). A correct conversion fires on its event.
package regression

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends/kql"
	"github.com/sigma2kql/sigma2kql/engine"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/kqlcheck"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/kqleval"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/rowmodel"
	"github.com/sigma2kql/sigma2kql/match"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// SharedDir returns ../shared beside the module root, and whether it is
// there.
func SharedDir() (string, bool) {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "shared")
	st, err := os.Stat(dir)
	return dir, err == nil && st.IsDir()
}

// A Test is one folder of the regression suite.
type Test struct {
	Name       string // the folder's path under rules/, slash-separated
	Rule       string // the rule file in the corpus
	Src        []byte // the rule's text, when it is not read from the file Rule
	RulePath   string // the rule's path under the corpus, slash-separated
	MatchCount int    // events Sigma's rule matches, 0 when not given
	Events     []rowmodel.WindowsEvent
}

type info struct {
	RuleMetadata []struct {
		ID string `yaml:"id"`
	} `yaml:"rule_metadata"`
	Tests []struct {
		MatchCount int `yaml:"match_count"`
	} `yaml:"regression_tests_info"`
}

// Load reads the tests of regressionDir (its rules/ folder) and finds
// their rules in corpusDir: by the folder's path when a rule is there with
// the id info.yml names, else by that id. Tests are sorted by name.
func Load(regressionDir, corpusDir string) ([]Test, error) {
	ids, err := corpusIDs(corpusDir)
	if err != nil {
		return nil, err
	}
	root := filepath.Join(regressionDir, "rules")
	var out []Test
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "info.yml" {
			return err
		}
		t, err := loadTest(root, filepath.Dir(p), corpusDir, ids)
		if err != nil {
			return err
		}
		out = append(out, t)
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

func loadTest(root, dir, corpusDir string, ids map[string]string) (Test, error) {
	rel, _ := filepath.Rel(root, dir)
	t := Test{Name: filepath.ToSlash(rel)}
	b, err := os.ReadFile(filepath.Join(dir, "info.yml"))
	if err != nil {
		return t, err
	}
	var inf info
	if err := yaml.Unmarshal(b, &inf); err != nil {
		return t, fmt.Errorf("%s: %v", filepath.Join(dir, "info.yml"), err)
	}
	if len(inf.RuleMetadata) == 0 {
		return t, fmt.Errorf("%s: no rule_metadata id", filepath.Join(dir, "info.yml"))
	}
	if len(inf.Tests) > 0 {
		t.MatchCount = inf.Tests[0].MatchCount
	}
	id := inf.RuleMetadata[0].ID
	t.Rule = ids[id]
	if byPath := filepath.Join(corpusDir, rel+".yml"); ids[id] == "" || fileID(byPath) == id {
		t.Rule = byPath
	}
	if t.Rule == "" {
		return t, fmt.Errorf("%s: no corpus rule has id %s", dir, id)
	}
	if r, err := filepath.Rel(corpusDir, t.Rule); err == nil {
		t.RulePath = filepath.ToSlash(r)
	}
	events, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	sort.Strings(events)
	for _, f := range events {
		evs, err := rowmodel.ReadEventFile(f)
		if err != nil {
			return t, err
		}
		t.Events = append(t.Events, evs...)
	}
	return t, nil
}

var idLine = regexp.MustCompile(`(?m)^id:\s*['"]?([0-9A-Za-z-]+)`)

// fileID returns the top-level id of a rule file, "" when none.
func fileID(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if m := idLine.FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return ""
}

// corpusIDs maps rule ids to their files.
func corpusIDs(corpusDir string) (map[string]string, error) {
	ids := map[string]string{}
	err := filepath.WalkDir(corpusDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yml") {
			return err
		}
		if id := fileID(p); id != "" {
			ids[id] = p
		}
		return nil
	})
	return ids, err
}

// A Harness converts rules with one pipeline and runs the queries on the
// rows of that pipeline's row model.
type Harness struct {
	Pipeline string
	Schema   kqleval.Schema
	Model    rowmodel.Model
	cfg      *engine.Config
}

// schemaFiles names the kqlcheck schema of pipelines whose schema file is
// not <pipeline>.json.
var schemaFiles = map[string]string{
	"sentinel_windowsevent":  "azure_monitor.json",
	"sentinel_event":         "azure_monitor.json",
	"sentinel_cloud":         "azure_monitor.json",
	"sentinel_securityevent": "azure_monitor.json",
}

// schemaName is the file name of a pipeline's schema in kqlcheck/schema.
func schemaName(pipeline string) string {
	if f := schemaFiles[pipeline]; f != "" {
		return f
	}
	return pipeline + ".json"
}

// LoadSchema reads kqlcheck's schema of a pipeline, with the tables and
// columns of the project's own schema for it (kqlcheck.OwnSchemaFile)
// added.
func LoadSchema(shared, pipelineName string) (kqleval.Schema, error) {
	schema, err := kqleval.LoadSchema(filepath.Join(shared, "kqlcheck", "schema", schemaName(pipelineName)))
	if err != nil {
		return nil, err
	}
	if own := kqlcheck.OwnSchemaFile(pipelineName); own != "" {
		extra, err := kqleval.LoadSchema(own)
		if err != nil {
			return nil, err
		}
		// Columns add up, as kqlcheck reads several schema files.
		for t, cols := range extra {
			if schema[t] == nil {
				schema[t] = map[string]string{}
			}
			for c, typ := range cols {
				schema[t][c] = typ
			}
		}
	}
	return schema, nil
}

// New prepares a harness for a built-in pipeline; shared is ../shared.
func New(pipelineName, shared string) (*Harness, error) {
	p := pipeline.Builtin(pipelineName)
	if p == nil {
		return nil, fmt.Errorf("no built-in pipeline %q", pipelineName)
	}
	m, ok := rowmodel.ForPipeline(pipelineName)
	if !ok {
		return nil, fmt.Errorf("pipeline %s has no row model (rowmodel has %s)", pipelineName, strings.Join(rowmodel.Pipelines(), ", "))
	}
	schema, err := LoadSchema(shared, pipelineName)
	if err != nil {
		return nil, err
	}
	cfg := &engine.Config{Backend: kql.New(nil), Format: "default", Pipelines: []*pipeline.Pipeline{p}, Jobs: 1}
	return &Harness{Pipeline: pipelineName, Schema: schema, Model: m, cfg: cfg}, nil
}

// An Outcome is the result of one test.
type Outcome struct {
	Test       *Test
	Queries    []string
	ConvertErr error          // the rule does not convert
	Warnings   []string       // the conversion's warnings (a part of the rule left out, ...)
	Rows       map[string]int // modelled rows by table
	NoRow      []string       // why events have no row, one entry per distinct reason
	Fired      int            // rows the queries output (all queries together, on all events)
	Why        string         // when nothing fired: what kept the rows out, or the evaluation error
	EvalErr    error          // the evaluator could not run a query
	Events     []EventOutcome // per event, in the order of the test's files
}

// An EventOutcome compares, for one event, the query with the Sigma rule
// (evaluated on the event itself by the match package).
type EventOutcome struct {
	Rows     int   // rows the target records for the event
	Fired    bool  // a query outputs a row when the event's rows are alone in the tables
	Sigma    bool  // the rule matches the event
	SigmaErr error // the match package could not decide
}

// Converted reports whether the rule converted.
func (o *Outcome) Converted() bool { return o.ConvertErr == nil && len(o.Queries) > 0 }

// Run converts a test's rule and runs its queries on the modelled rows:
// on the rows of all events together, then on each event's rows alone.
func (h *Harness) Run(t *Test) Outcome {
	o := Outcome{Test: t, Rows: map[string]int{}}
	res := engine.Run(h.cfg, []engine.Input{{Name: t.Rule, Src: t.Src}})
	var rule *ast.Rule
	for _, r := range res {
		if r.Err != nil && o.ConvertErr == nil {
			o.ConvertErr = r.Err
		}
		for _, w := range r.Warnings {
			o.Warnings = append(o.Warnings, w.Error())
		}
		if d, ok := r.Doc.(*ast.Rule); ok && rule == nil {
			rule = d
		}
		o.Queries = append(o.Queries, r.Queries...)
	}
	if !o.Converted() {
		if o.ConvertErr == nil {
			o.ConvertErr = fmt.Errorf("no query")
		}
		return o
	}
	queries, err := parseAll(o.Queries)
	if err != nil {
		o.EvalErr, o.Why = err, "evaluator: "+err.Error()
		return o
	}
	all := map[string][]kqleval.Row{}
	perEvent := h.modelRows(&o, all)
	h.evaluate(&o, queries, all)
	for i, ev := range t.Events {
		eo := EventOutcome{Rows: countRows(perEvent[i])}
		out, _ := h.fired(queries, perEvent[i])
		eo.Fired = out > 0
		if rule != nil {
			r, err := match.Rule(rule, ev.Fields)
			eo.Sigma, eo.SigmaErr = r.Matched, err
		}
		o.Events = append(o.Events, eo)
	}
	return o
}

// modelRows models the rows of each event, adds them to all, and returns
// them per event.
func (h *Harness) modelRows(o *Outcome, all map[string][]kqleval.Row) []map[string][]kqleval.Row {
	var perEvent []map[string][]kqleval.Row
	seen := map[string]bool{}
	for _, ev := range o.Test.Events {
		rows, none := h.Model.Rows(ev)
		if len(rows) == 0 && !seen[none] {
			seen[none] = true
			o.NoRow = append(o.NoRow, none)
		}
		mine := map[string][]kqleval.Row{}
		for _, r := range rows {
			all[r.Table] = append(all[r.Table], r.Values)
			mine[r.Table] = append(mine[r.Table], r.Values)
			o.Rows[r.Table]++
		}
		perEvent = append(perEvent, mine)
	}
	return perEvent
}

func countRows(data map[string][]kqleval.Row) int {
	n := 0
	for _, rows := range data {
		n += len(rows)
	}
	return n
}

func parseAll(texts []string) ([]*kqleval.Query, error) {
	var out []*kqleval.Query
	for _, text := range texts {
		q, err := kqleval.Parse(text)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, nil
}

// fired runs the queries on data and counts the rows they output.
func (h *Harness) fired(queries []*kqleval.Query, data map[string][]kqleval.Row) (int, error) {
	n := 0
	for _, q := range queries {
		out, err := q.Run(h.Schema, data)
		if err != nil {
			return n, err
		}
		n += len(out)
	}
	return n, nil
}

// evaluate runs the queries on the rows of all events, and explains the
// first query that outputs nothing.
func (h *Harness) evaluate(o *Outcome, queries []*kqleval.Query, data map[string][]kqleval.Row) {
	for _, q := range queries {
		out, err := q.Run(h.Schema, data)
		if err != nil {
			if o.EvalErr == nil {
				o.EvalErr, o.Why = err, "evaluator: "+err.Error()
			}
			continue
		}
		o.Fired += len(out)
		if len(out) == 0 && o.Why == "" {
			o.Why = q.Explain(h.Schema, data)
		}
	}
	if o.Fired > 0 {
		o.Why = ""
	}
}

// A Known is the checked-in list of tests known not to fire: rule path
// and reason.
type Known map[string]string

// ReadKnown reads a list: one "rule path<TAB>reason" a line; blank lines
// and lines starting with # are skipped. A missing file is an empty list.
func ReadKnown(file string) (Known, error) {
	f, err := os.Open(file)
	if os.IsNotExist(err) {
		return Known{}, nil
	} else if err != nil {
		return nil, err
	}
	defer f.Close()
	k := Known{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		path, reason, ok := strings.Cut(line, "\t")
		if !ok || strings.TrimSpace(reason) == "" {
			return nil, fmt.Errorf("%s:%d: expected a rule path, a tab and a reason", file, n)
		}
		if _, dup := k[path]; dup {
			return nil, fmt.Errorf("%s:%d: %s is listed twice", file, n, path)
		}
		k[path] = strings.TrimSpace(reason)
	}
	return k, sc.Err()
}
