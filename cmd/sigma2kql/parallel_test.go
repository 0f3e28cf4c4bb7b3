package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/internal/testsupport/testcorpus"
)

// TestParallelOutputMatchesSequential checks that the command prints the
// same bytes, on standard output and standard error, whatever the number
// of parallel jobs: on the bundled rules and on the corpus, for a KQL and
// an SPL target.
func TestParallelOutputMatchesSequential(t *testing.T) {
	dirs := []string{testcorpus.BundledDir(t)}
	if dir, full := testcorpus.Dir(t); full {
		dirs = append(dirs, dir)
	}
	targets := [][]string{{"-t", "kusto", "-p", "microsoft_xdr"}, {"-t", "splunk", "-p", "splunk_windows"}}
	for _, dir := range dirs {
		for _, target := range targets {
			args := append(append([]string{"convert"}, target...), "-s", dir)
			seqOut, seqErr, seqCode := runCLI(append(args, "--jobs", "1"), ".")
			if seqOut == "" {
				t.Fatalf("%s %v: no output", dir, target)
			}
			for _, jobs := range []int{0, 2, 8} {
				out, errOut, code := runCLI(append(args, "--jobs", fmt.Sprint(jobs)), ".")
				if out != seqOut || errOut != seqErr || code != seqCode {
					t.Errorf("%s %v: -j %d differs from -j 1 (exit %d vs %d; %d vs %d bytes of output, %d vs %d of errors)",
						dir, strings.Join(target, " "), jobs, code, seqCode, len(out), len(seqOut), len(errOut), len(seqErr))
				}
			}
		}
	}
}
