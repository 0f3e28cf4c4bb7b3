package kql_test

import (
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/backends/kql"
	"github.com/sigma2kql/sigma2kql/internal/engine"
	"github.com/sigma2kql/sigma2kql/internal/kqlcheck"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// Edge values that valid rules may hold must give valid KQL. Checked with
// Kusto.Language when kqlcheck is available; the expected text always.
func TestEdgeValuesGiveValidKQL(t *testing.T) {
	cases := []struct {
		detection string
		want      string // a piece of the query
	}{
		// Regression: YAML's .inf and .nan were printed as the unknown names inf and nan.
		{"sel:\n    ProcessId: .inf", "ProcessId == real(+inf)"},
		{"sel:\n    ProcessId|gt: -.inf", "ProcessId > real(-inf)"},
		{"sel:\n    ProcessId|lte: .NaN", "ProcessId <= real(nan)"},
		{"sel:\n    ProcessId: [.inf, 4]", "ProcessId in (real(+inf), 4)"},
		{"sel:\n    CommandLine: .inf", `ProcessCommandLine =~ "inf"`},
		{"sel:\n    ProcessId: [0x1F, 017, 1_000, 190:20:30, -0, +5]", "ProcessId in (31, 15, 1000, 685230, 0, 5)"},
		{"sel:\n    ProcessId: 99999999999999999999", "ProcessId == 99999999999999999999"},
		{"sel:\n    ProcessId|gte: 1.5e+3", "ProcessId >= 1500.0"},
		{"sel:\n    CommandLine: [yes, no, ~, 'null']", "ProcessCommandLine"},
	}
	p := pipeline.Builtin("microsoft_xdr")
	cfg := &engine.Config{Backend: kql.New(nil), Format: "default", Pipelines: []*pipeline.Pipeline{p}, Jobs: 1}
	var checker *kqlcheck.Checker
	if dir, err := kqlcheck.Dir(); err == nil {
		checker, err = kqlcheck.Start(dir, kqlcheck.Options{Schemas: []string{kqlcheck.SchemaFile(dir, p.Name)}})
		if err != nil {
			t.Fatal(err)
		}
		defer checker.Close()
	} else {
		t.Log("queries not checked with Kusto.Language: ", err)
	}
	for _, c := range cases {
		src := "title: t\nlogsource: {product: windows, category: process_creation}\ndetection:\n  " + c.detection + "\n  condition: sel\n"
		q, err := convert(cfg, src)
		if err != nil {
			t.Errorf("%s: %v", c.detection, err)
			continue
		}
		if !strings.Contains(q, c.want) {
			t.Errorf("%s: query %q lacks %q", c.detection, q, c.want)
		}
		if checker != nil {
			res, err := checker.Check(q, false)
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK {
				t.Errorf("%s: invalid KQL %v\n%s", c.detection, res.Errors(), q)
			}
		}
	}
}
