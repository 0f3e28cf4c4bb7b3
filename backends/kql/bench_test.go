package kql_test

import (
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends/kql"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/testcorpus"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// BenchmarkConvert converts every rule of the corpus (see
// internal/testsupport/testcorpus), parsed beforehand, through a pipeline
// (microsoft_xdr, and the Log Analytics pipelines of raw tables):
// pipeline.Apply and Convert. b.N counts whole corpora; rules that the
// pipeline rejects count too (they cost their work up to the error).
func BenchmarkConvert(b *testing.B) {
	dir, _ := testcorpus.Dir(b)
	var rules []*ast.Rule
	for _, f := range testcorpus.Files(b, dir) {
		file, _ := parser.ParseFile(f.Name, f.Src)
		for _, d := range file.Docs {
			if r, ok := d.(*ast.Rule); ok {
				rules = append(rules, r)
			}
		}
	}
	for _, name := range []string{"microsoft_xdr", "sentinel_windowsevent", "sentinel_event"} {
		b.Run(name, func(b *testing.B) {
			pipes := []*pipeline.Pipeline{pipeline.Builtin(name)}
			backend := kql.New(nil)
			bench := testcorpus.StartBench(b)
			for i := 0; i < b.N; i++ {
				for _, r := range rules {
					res, err := pipeline.Apply(pipes, r, pipeline.Options{})
					if err == nil {
						backend.Convert(res, "default")
					}
				}
			}
			bench.Done(len(rules))
		})
	}
}
