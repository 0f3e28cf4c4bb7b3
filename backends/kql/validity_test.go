package kql_test

import (
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sigma2kql/sigma2kql/backends/kql"
	"github.com/sigma2kql/sigma2kql/engine"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/kqlcheck"
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
		checker = rtChecker(t, dir, p)
	} else {
		t.Log("queries not checked with Kusto.Language: ", err)
	}
	for _, c := range cases {
		src := "title: t\nlogsource: {product: windows, category: process_creation}\ndetection:\n  " + c.detection + "\n  condition: sel\n"
		q, err := rtConvert(cfg, src)
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

// Random rules built from the features of Sigma (modifier chains, value
// types, lists, keywords, nested conditions) over the fields of
// process_creation must convert to valid KQL, or fail with an error: a
// query that Microsoft's parser rejects is a bug. Needs kqlcheck.
func TestRandomRulesGiveValidKQL(t *testing.T) {
	dir, err := kqlcheck.Dir()
	if err != nil {
		t.Skip("kqlcheck not available: ", err)
	}
	seed := time.Now().UnixNano()
	if s := os.Getenv("ROUNDTRIP_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	rng := rand.New(rand.NewSource(seed))
	p := pipeline.Builtin("microsoft_xdr")
	cfg := &engine.Config{Backend: kql.New(nil), Format: "default", Pipelines: []*pipeline.Pipeline{p}, Jobs: 1}
	checker := rtChecker(t, dir, p)
	fields := []string{"CommandLine", "Image", "ParentImage", "User", "ProcessId", "ParentProcessId", "IntegrityLevel", "OriginalFileName", "LogonId", "ParentCommandLine", "ParentUser", "GrandParentImage", "md5", "Hashes", "Company"}
	mods := []string{"", "contains", "startswith", "endswith", "re", "re|i", "cased", "contains|cased", "all", "contains|all", "base64", "base64offset|contains", "utf16le|base64offset|contains", "wide|contains", "windash|contains", "exists", "gt", "lte", "neq", "contains|neq", "fieldref", "endswith|fieldref", "hour", "cidr"}
	strs := []string{"whoami", "'C:\\Windows\\'", "'*\\cmd.exe'", "'a*b?c'", "'\\\\*'", "\"tab\\there\"", "\"nul\\0\"", "''", "'%var%'", "'.*(x|y)+'", "'\"quoted\"'", "'-enc /c'", "'DOMAIN\\user'", "'SHA256=abc,MD5=def'", "'it''s'", "42", "-1", "0x3e7", "4.5", ".inf", "true", "null"}
	pools := map[string][]string{
		"exists":                        {"true", "false"},
		"gt":                            {"42", "-1", "4.5", "0x10", ".inf"},
		"lte":                           {"42", "-1", "4.5", "0x10", ".inf"},
		"hour":                          {"3", "23"},
		"cidr":                          {"'10.0.0.0/8'", "'fe80::/10'", "'192.168.1.1/32'"},
		"fieldref":                      {"Image", "CommandLine", "ProcessId", "User"},
		"endswith|fieldref":             {"Image", "CommandLine", "ProcessId"},
		"re":                            {"'.*(x|y)+'", "'\\d{2,}\\\\'", "'\"q\"'", "'^a$'"},
		"re|i":                          {"'.*(x|y)+'", "'[a-z]+\\.exe'"},
		"base64":                        {"whoami", "'a b'"},
		"utf16le|base64offset|contains": {"whoami", "'a b'"},
	}
	value := func(mod string) string {
		pool := pools[mod]
		if pool == nil {
			pool = strs
		}
		if rng.Intn(3) == 0 && mod != "exists" {
			n := 1 + rng.Intn(4)
			var vs []string
			for i := 0; i < n; i++ {
				vs = append(vs, pool[rng.Intn(len(pool))])
			}
			return "[" + strings.Join(vs, ", ") + "]"
		}
		return pool[rng.Intn(len(pool))]
	}
	var cond func(names []string, depth int) string
	cond = func(names []string, depth int) string {
		if depth > 3 || rng.Intn(3) == 0 {
			switch rng.Intn(6) {
			case 0:
				return "1 of sel*"
			case 1:
				return "all of them"
			}
			return names[rng.Intn(len(names))]
		}
		switch rng.Intn(4) {
		case 0:
			return "not " + cond(names, depth+1)
		case 1:
			return "(" + cond(names, depth+1) + " and " + cond(names, depth+1) + ")"
		case 2:
			return cond(names, depth+1) + " or " + cond(names, depth+1)
		}
		return cond(names, depth+1) + " and not " + cond(names, depth+1)
	}
	queries, failed, rejected := 0, 0, 0
	for i := 0; i < 600 && failed < 5; i++ {
		var b strings.Builder
		b.WriteString("title: random\nlogsource: {product: windows, category: process_creation}\ndetection:\n")
		var names []string
		for s := 0; s < 1+rng.Intn(4); s++ {
			name := fmt.Sprintf("sel%d", s)
			names = append(names, name)
			fmt.Fprintf(&b, "  %s:\n", name)
			if rng.Intn(8) == 0 {
				fmt.Fprintf(&b, "    - %s\n", strs[rng.Intn(len(strs))])
				continue
			}
			used := map[string]bool{}
			for f := 0; f < 1+rng.Intn(3); f++ {
				key := fields[rng.Intn(len(fields))]
				m := mods[rng.Intn(len(mods))]
				if m != "" {
					key += "|" + m
				}
				if used[key] {
					continue
				}
				used[key] = true
				fmt.Fprintf(&b, "    %s: %s\n", key, value(m))
			}
		}
		fmt.Fprintf(&b, "  condition: %s\n", cond(names, 0))
		src := b.String()
		results := engine.Run(cfg, []engine.Input{{Name: "random.yml", Src: []byte(src)}})
		for _, r := range results {
			if r.Err != nil {
				rejected++
				if strings.Contains(r.Err.Error(), "internal error") {
					t.Errorf("internal error: %v\n%s", r.Err, src)
				}
			}
			for _, q := range r.Queries {
				queries++
				res, err := checker.Check(q, false)
				if err != nil {
					t.Fatal(err)
				}
				if !res.OK {
					failed++
					t.Errorf("seed %d: invalid KQL %v\nquery: %s\nrule:\n%s", seed, res.Errors(), q, src)
				}
			}
		}
	}
	t.Logf("ROUNDTRIP_SEED=%d: %d queries of random rules checked (%d rules rejected by the converter)", seed, queries, rejected)
}
