package pipeline_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/backends/kql"
	"github.com/sigma2kql/sigma2kql/backends/splunk"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/testcorpus"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// TestApplyLeavesRuleUnchanged checks that applying every built-in
// pipeline to the rules of the corpus and the bundled rules, and
// converting the result, leaves the parsed rule as it was: Apply shares
// values with the rule (see copyRule), so neither the pipelines nor the
// backends may change a value in place.
func TestApplyLeavesRuleUnchanged(t *testing.T) {
	dirs := []string{testcorpus.BundledDir(t)}
	if dir, full := testcorpus.Dir(t); full {
		dirs = append(dirs, dir)
	}
	var rules []*ast.Rule
	for _, dir := range dirs {
		for _, f := range testcorpus.Files(t, dir) {
			file, _ := parser.ParseFile(f.Name, f.Src)
			for _, d := range file.Docs {
				if r, ok := d.(*ast.Rule); ok {
					rules = append(rules, r)
				}
			}
		}
	}
	backendFor := map[string]backends.Backend{"kusto": kql.New(nil), "splunk": splunk.New(nil)}
	for _, r := range rules {
		before := r.Copy()
		for _, p := range pipeline.Builtins() {
			b := backendFor["kusto"]
			if len(p.Targets) > 0 {
				b = backendFor[p.Targets[0]]
			}
			if res, err := pipeline.Apply([]*pipeline.Pipeline{p}, r, pipeline.Options{}); err == nil {
				b.Convert(res, "default")
			}
		}
		if diff := cmp.Diff(before.Detection, r.Detection); diff != "" {
			t.Fatalf("%s: converting it changed the rule (-before +after):\n%s", r.DocPos, diff)
		}
		if diff := cmp.Diff([][]string{before.Tags, before.Fields}, [][]string{r.Tags, r.Fields}); diff != "" {
			t.Fatalf("%s: converting it changed the rule's tags or fields (-before +after):\n%s", r.DocPos, diff)
		}
	}
}
