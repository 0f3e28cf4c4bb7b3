package main

import (
	"fmt"
	"io"
	"testing"

	"github.com/sigma2kql/sigma2kql/internal/testsupport/testcorpus"
)

// benchCLI runs "sigma2kql convert" over dir b.N times, the output
// discarded, and reports per-rule figures for rules files.
func benchCLI(b *testing.B, dir string, rules int, args ...string) {
	args = append(append([]string{"convert"}, args...), "-s", dir)
	bench := testcorpus.StartBench(b)
	for i := 0; i < b.N; i++ {
		if code := run(args, nil, io.Discard, io.Discard); code != exitOK {
			b.Fatalf("exit status %d", code)
		}
	}
	bench.Done(rules)
}

// BenchmarkCLI converts the corpus (see internal/testsupport/testcorpus) end to end
// through the command's code path: directory in, queries out, to Defender
// XDR KQL and to Splunk SPL. b.N counts whole corpora; ns/rule and rules/s
// count rule files.
func BenchmarkCLI(b *testing.B) {
	dir, _ := testcorpus.Dir(b)
	n := len(testcorpus.Files(b, dir))
	b.Run("kusto-microsoft_xdr", func(b *testing.B) { benchCLI(b, dir, n, "-t", "kusto", "-p", "microsoft_xdr") })
	b.Run("splunk-splunk_windows", func(b *testing.B) { benchCLI(b, dir, n, "-t", "splunk", "-p", "splunk_windows") })
}

// BenchmarkCLIScale converts 1 and 10 copies of the corpus (distinct file
// names, the same rules) to Defender XDR KQL: the time per rule must not
// grow with the size of the batch. Compare the ns/rule of x1 and x10.
func BenchmarkCLIScale(b *testing.B) {
	src, _ := testcorpus.Dir(b)
	n := len(testcorpus.Files(b, src))
	for _, k := range []int{1, 10} {
		dir := testcorpus.Replicate(b, src, k)
		b.Run(fmt.Sprintf("x%d", k), func(b *testing.B) { benchCLI(b, dir, k*n, "-t", "kusto", "-p", "microsoft_xdr") })
	}
}
