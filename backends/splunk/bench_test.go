package splunk_test

import (
	"testing"

	"github.com/sigma2kql/sigma2kql/backends/splunk"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/corpusbench"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/testcorpus"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// BenchmarkConvert converts every rule of the corpus (see
// internal/testsupport/testcorpus), parsed beforehand, through the splunk_windows pipeline:
// pipeline.Apply and Convert. b.N counts whole corpora; rules that the
// pipeline rejects count too (they cost their work up to the error).
func BenchmarkConvert(b *testing.B) {
	dir, _ := testcorpus.Dir(b)
	rules := corpusbench.Rules(b, dir)
	backend := splunk.New(nil)
	corpusbench.Convert(b, rules, []*pipeline.Pipeline{pipeline.Builtin("splunk_windows")}, func(res *pipeline.Result) {
		backend.Convert(res, "default")
	})
}
