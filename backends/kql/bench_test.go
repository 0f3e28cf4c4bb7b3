package kql_test

import (
	"testing"

	"github.com/sigma2kql/sigma2kql/backends/kql"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/corpusbench"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/testcorpus"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// BenchmarkConvert converts every rule of the corpus (see
// internal/testsupport/testcorpus), parsed beforehand, through a pipeline
// (microsoft_xdr, and the Log Analytics pipelines of raw tables):
// pipeline.Apply and Convert. b.N counts whole corpora; rules that the
// pipeline rejects count too (they cost their work up to the error).
func BenchmarkConvert(b *testing.B) {
	dir, _ := testcorpus.Dir(b)
	rules := corpusbench.Rules(b, dir)
	for _, name := range []string{"microsoft_xdr", "sentinel_windowsevent", "sentinel_event"} {
		b.Run(name, func(b *testing.B) {
			backend := kql.New(nil)
			corpusbench.Convert(b, rules, []*pipeline.Pipeline{pipeline.Builtin(name)}, func(res *pipeline.Result) {
				backend.Convert(res, "default")
			})
		})
	}
}
