package parser_test

import (
	"testing"

	"github.com/sigma2kql/sigma2kql/internal/testsupport/testcorpus"
	"github.com/sigma2kql/sigma2kql/parser"
)

// BenchmarkParseFile parses every rule file of the corpus (see
// internal/testsupport/testcorpus); b.N counts whole corpora, and ns/rule and rules/s
// count files.
func BenchmarkParseFile(b *testing.B) {
	dir, _ := testcorpus.Dir(b)
	files := testcorpus.Files(b, dir)
	bench := testcorpus.StartBench(b)
	for i := 0; i < b.N; i++ {
		for _, f := range files {
			parser.ParseFile(f.Name, f.Src)
		}
	}
	bench.Done(len(files))
}
