package engine

import (
	"fmt"
	"runtime"
	"testing"
)

// syntheticInputs makes n rule files, every tenth with a Sigma filter that
// names a rule and a correlation over two rules, so that the indexes of
// filters and correlation references are exercised at scale.
func syntheticInputs(n int) []Input {
	id := func(kind, i int) string { return fmt.Sprintf("%08x-0000-4000-8000-%012x", i, kind) }
	var in []Input
	for i := 0; i < n; i++ {
		src := fmt.Sprintf(`title: Rule %d
id: %s
name: rule_%d
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\tool%d.exe'
        CommandLine|contains:
            - ' -a%d'
            - ' -b%d'
    filter:
        User: admin
    condition: selection and not filter
`, i, id(1, i), i, i, i, i)
		if i%10 == 9 {
			src += fmt.Sprintf(`---
title: Filter %d
id: %s
logsource:
    category: process_creation
    product: windows
filter:
    rules:
        - %s
    selection:
        ParentImage|endswith: '\svc%d.exe'
    condition: selection
---
title: Correlation %d
id: %s
correlation:
    type: temporal
    rules:
        - rule_%d
        - rule_%d
    group-by:
        - DeviceName
    timespan: 5m
    generate: true
`, i, id(2, i), id(1, i-1), i, i, id(3, i), i-2, i-1)
		}
		in = append(in, Input{Name: fmt.Sprintf("r%06d.yml", i), Src: []byte(src)})
	}
	return in
}

// TestLinearScale checks that converting ten times as many rules costs at
// most 10.5 times the work, counted as allocations (which, unlike time,
// do not depend on the machine's load). BenchmarkConvertScale measures the
// time.
func TestLinearScale(t *testing.T) {
	if testing.Short() {
		t.Skip("converts 11,000 rules")
	}
	const n = 1000
	mallocs := func(in []Input) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		rs := Run(xdrConfig(1), in)
		runtime.ReadMemStats(&after)
		for _, r := range rs[:min(len(rs), 3)] {
			if r.Err != nil || len(r.Queries) == 0 {
				t.Fatalf("%s: %v", r.File, r.Err)
			}
		}
		return after.Mallocs - before.Mallocs
	}
	small, large := mallocs(syntheticInputs(n)), mallocs(syntheticInputs(10*n))
	ratio := float64(large) / float64(small)
	t.Logf("allocations: %d for %d rules, %d for %d (x%.2f)", small, n, large, 10*n, ratio)
	if ratio > 10.5 {
		t.Errorf("10 times the rules cost %.2f times the allocations; want at most 10.5", ratio)
	}
}

// BenchmarkConvertScale converts 1,000 and 10,000 synthetic rules (with
// filters and correlations); ns/rule must not grow with the batch.
func BenchmarkConvertScale(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		in := syntheticInputs(n)
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			cfg := xdrConfig(0)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				Run(cfg, in)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/rule")
		})
	}
}
