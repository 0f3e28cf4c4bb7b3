// Package corpusbench measures conversions of the corpus: the rules of
// testcorpus, parsed once, through pipelines and a backend. (It is apart
// from testcorpus, which the parser's own tests use.)
package corpusbench

import (
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/testcorpus"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// Rules parses the rule files of dir (see testcorpus.Files) and returns
// their rules.
func Rules(tb testing.TB, dir string) []*ast.Rule {
	var rules []*ast.Rule
	for _, f := range testcorpus.Files(tb, dir) {
		file, _ := parser.ParseFile(f.Name, f.Src)
		for _, d := range file.Docs {
			if r, ok := d.(*ast.Rule); ok {
				rules = append(rules, r)
			}
		}
	}
	return rules
}

// Convert measures pipeline.Apply with pipes and convert on every
// rule, b.N times, and reports per rule (testcorpus.StartBench). Rules that the
// pipelines reject count too: they cost their work up to the error.
func Convert(b *testing.B, rules []*ast.Rule, pipes []*pipeline.Pipeline, convert func(*pipeline.Result)) {
	bench := testcorpus.StartBench(b)
	for i := 0; i < b.N; i++ {
		for _, r := range rules {
			res, err := pipeline.Apply(pipes, r, pipeline.Options{})
			if err == nil {
				convert(res)
			}
		}
	}
	bench.Done(len(rules))
}
