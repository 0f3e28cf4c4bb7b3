package kql

import (
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/engine"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// extendedRules are a temporal correlation whose condition is written over
// its rules, and the rules.
const extendedRules = `title: C
correlation:
    type: temporal
    rules: [proc_a, proc_b, logon]
    group-by: [DeviceName]
    timespan: 5m
    condition: CONDITION
---
title: A
name: proc_a
logsource: {product: windows, category: process_creation}
detection: {sel: {Image|endswith: '\a.exe'}, condition: sel}
---
title: B
name: proc_b
logsource: {product: windows, category: process_creation}
detection: {sel: {Image|endswith: '\b.exe'}, condition: sel}
---
title: L
name: logon
logsource: {product: windows, service: security}
detection: {sel: {EventID: 4624, LogonType: 2}, condition: sel}
`

// TestExtendedCondition: the grouping of the condition of a correlation
// written over its rules. (The engine resolves every word of such a
// condition as a reference, so "1 of" and unknown names are errors before
// the backend; backends.Correlation.Condition's test covers them.)
func TestExtendedCondition(t *testing.T) {
	for cond, want := range map[string]string{
		"proc_a and not logon":         "| where matched_proc_a > 0 and not(matched_logon > 0)",
		"(proc_a or proc_b) and logon": "| where ((matched_proc_a > 0) or (matched_proc_b > 0)) and matched_logon > 0",
		"proc_a or (proc_b and logon)": "| where (matched_proc_a > 0) or (matched_proc_b > 0 and matched_logon > 0)",
		"not (proc_a or proc_b)":       "| where not((matched_proc_a > 0) or (matched_proc_b > 0))",
	} {
		src := strings.Replace(extendedRules, "CONDITION", cond, 1)
		cfg := &engine.Config{Backend: New(nil), Format: "default", Pipelines: []*pipeline.Pipeline{pipeline.Builtin("microsoft_xdr")}, Jobs: 1}
		var got []string
		for _, r := range engine.Run(cfg, []engine.Input{{Name: "rule.yml", Src: []byte(src)}}) {
			if r.Err != nil {
				got = append(got, r.Err.Error())
			}
			for _, q := range r.Queries {
				lines := strings.Split(q, "\n")
				got = append(got, lines[len(lines)-1])
			}
		}
		if len(got) != 1 || got[0] != want {
			t.Errorf("%s:\ngot  %q\nwant %q", cond, got, want)
		}
	}
}
