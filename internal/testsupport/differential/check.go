package differential

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends/kql"
	"github.com/sigma2kql/sigma2kql/engine"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/kqleval"
	"github.com/sigma2kql/sigma2kql/match"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// table is the query table of the pipeline.
const table = "Events"

// tableSchema is the table's columns and their types.
var tableSchema = schema()

func schema() kqleval.Schema {
	cols := map[string]string{}
	for _, f := range stringFields {
		cols[f] = "string"
	}
	for _, f := range longFields {
		cols[f] = "long"
	}
	return kqleval.Schema{table: cols}
}

// pipelineText is a user pipeline that sends every rule to the table,
// with its schema, and maps no field: each Sigma field is the column of
// the same name.
func pipelineText() string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: differential\ntargets: [kusto]\nquery_table: %s\nschema:\n  %s:\n", table, table)
	for _, name := range slices.Sorted(maps.Keys(tableSchema[table])) {
		fmt.Fprintf(&b, "    %q: %s\n", name, tableSchema[table][name])
	}
	return b.String()
}

var setup = sync.OnceValues(func() (*engine.Config, error) {
	p, err := pipeline.Load("differential.yml", []byte(pipelineText()), nil)
	if err != nil {
		return nil, err
	}
	return &engine.Config{Backend: kql.New(nil), Format: "default", Pipelines: []*pipeline.Pipeline{p}}, nil
})

// A Verdict is how a case ended.
type Verdict uint8

const (
	Agree    Verdict = iota
	Disagree         // the two evaluators differ: a bug
	Invalid          // the rule did not parse: a bug of the generator or the parser
	// The Sigma evaluator, the printer or the KQL evaluator reported an
	// error (a feature it does not support).
	SigmaUnsupported
	ConvertUnsupported
	KQLUnsupported
)

func (v Verdict) String() string {
	return [...]string{"agree", "disagree", "invalid rule", "unsupported by the Sigma evaluator",
		"unsupported by the printer", "unsupported by the KQL evaluator"}[v]
}

// An Outcome is the result of a case.
type Outcome struct {
	Verdict Verdict
	Sigma   match.Result // the Sigma evaluator's verdict
	KQL     bool         // some query output the row
	Queries []string
	Err     error // for the invalid and unsupported verdicts
}

// Check evaluates a case both ways.
func Check(c *Case) Outcome {
	var o Outcome
	f, err := parser.ParseFile("generated.yml", []byte(c.Rule))
	if err != nil || len(f.Docs) != 1 {
		o.Verdict, o.Err = Invalid, fmt.Errorf("%v (%d documents)", err, len(f.Docs))
		return o
	}
	rule, ok := f.Docs[0].(*ast.Rule)
	if !ok {
		o.Verdict, o.Err = Invalid, fmt.Errorf("not a rule: %T", f.Docs[0])
		return o
	}
	if o.Sigma, err = match.Rule(rule, match.FromJSON(c.Event)); err != nil {
		o.Verdict, o.Err = SigmaUnsupported, err
		return o
	}
	cfg, err := setup()
	if err != nil {
		panic(err) // the pipeline is ours
	}
	if o.Queries, err = cfg.Convert(rule); err != nil {
		o.Verdict, o.Err = ConvertUnsupported, err
		return o
	}
	data := map[string][]kqleval.Row{table: {c.Event}}
	for _, q := range o.Queries {
		rows, err := kqleval.Eval(q, tableSchema, data)
		if err != nil {
			o.Verdict, o.Err = KQLUnsupported, err
			return o
		}
		o.KQL = o.KQL || len(rows) > 0
	}
	if o.KQL != o.Sigma.Matched {
		o.Verdict = Disagree
	}
	return o
}

// Report describes a case and its outcome for a person: the rule, the
// event, the queries and both verdicts.
func Report(c *Case, o Outcome) string {
	ev, _ := json.Marshal(c.Event)
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d: %s\n--- rule\n%s--- event\n%s\n", c.Seed, o.Verdict, c.Rule, ev)
	for _, q := range o.Queries {
		fmt.Fprintf(&b, "--- query\n%s\n", q)
	}
	why := o.Sigma.Reason
	if o.Sigma.Matched {
		why = "matched"
	}
	fmt.Fprintf(&b, "--- Sigma: %v (%s); KQL: %v", o.Sigma.Matched, why, o.KQL)
	if o.Err != nil {
		fmt.Fprintf(&b, "\n--- error: %v", o.Err)
	}
	return b.String()
}
