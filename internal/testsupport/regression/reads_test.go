package regression

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sigma2kql/sigma2kql/backends/kql"
	"github.com/sigma2kql/sigma2kql/engine"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/kqleval"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/testcorpus"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// The evaluator must read and run every query the kusto pipelines write
// for the corpus (on empty tables: names and constructs are checked before
// any row is read), so that an execution test never fails for a construct
// the evaluator lacks, and a new construct in the printer is noticed here.
func TestEvaluatorReadsEveryQuery(t *testing.T) {
	shared, ok := SharedDir()
	if !ok {
		t.Skipf("%s is absent: the table schemas are there", shared)
	}
	dir, _ := testcorpus.Dir(t)
	var in []engine.Input
	for _, f := range testcorpus.Files(t, dir) {
		in = append(in, engine.Input{Name: f.Name, Src: f.Src})
	}
	for _, p := range pipeline.Builtins() {
		if !slices.Contains(p.Targets, "kusto") {
			continue
		}
		schemaFile := filepath.Join(shared, "kqlcheck", "schema", schemaName(p.Name))
		if _, err := os.Stat(schemaFile); err != nil {
			t.Logf("%s: no schema (%v)", p.Name, err)
			continue
		}
		schema, err := LoadSchema(shared, p.Name)
		if err != nil {
			t.Fatal(err)
		}
		cfg := &engine.Config{Backend: kql.New(nil), Format: "default", Pipelines: []*pipeline.Pipeline{p}}
		n := 0
		for _, r := range engine.Run(cfg, in) {
			for _, q := range r.Queries {
				n++
				if _, err := kqleval.Eval(q, schema, nil); err != nil {
					t.Errorf("%s, %s: %v\n%s", p.Name, r.File, err, q)
				}
			}
		}
		t.Logf("%s: %d queries read", p.Name, n)
	}
}
