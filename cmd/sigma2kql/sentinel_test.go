package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/backends/kql/deploy"
)

// sentinelTactics are the tactics the Azure-Sentinel validator accepts.
var sentinelTactics = map[string]bool{
	"InitialAccess": true, "Execution": true, "Persistence": true, "PrivilegeEscalation": true,
	"DefenseEvasion": true, "CredentialAccess": true, "Discovery": true, "LateralMovement": true,
	"Collection": true, "Exfiltration": true, "CommandAndControl": true, "Impact": true,
	"Reconnaissance": true, "ResourceDevelopment": true, "ImpairProcessControl": true, "InhibitResponseFunction": true,
}

// checkSentinelFile applies the Azure-Sentinel validator's rules to a
// written rule file, read back as YAML: a check of the files themselves,
// independent of the validation done before writing them.
func checkSentinelFile(data []byte) []string {
	var r struct {
		ID         *string `yaml:"id"`
		Name       *string `yaml:"name"`
		Descr      *string `yaml:"description"`
		Severity   *string `yaml:"severity"`
		Connectors *[]struct {
			ConnectorID string   `yaml:"connectorId"`
			DataTypes   []string `yaml:"dataTypes"`
		} `yaml:"requiredDataConnectors"`
		Frequency  *string   `yaml:"queryFrequency"`
		Period     *string   `yaml:"queryPeriod"`
		Operator   *string   `yaml:"triggerOperator"`
		Threshold  *int      `yaml:"triggerThreshold"`
		Tactics    *[]string `yaml:"tactics"`
		Techniques *[]string `yaml:"relevantTechniques"`
		Query      *string   `yaml:"query"`
		Entities   *[]struct {
			EntityType    string `yaml:"entityType"`
			FieldMappings []struct {
				Identifier string `yaml:"identifier"`
				ColumnName string `yaml:"columnName"`
			} `yaml:"fieldMappings"`
		} `yaml:"entityMappings"`
		Version *string `yaml:"version"`
		Kind    *string `yaml:"kind"`
	}
	if err := yaml.Unmarshal(data, &r); err != nil {
		return []string{err.Error()}
	}
	var bad []string
	fail := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	n := func(s string) int { return len(utf16.Encode([]rune(s))) }
	if r.ID == nil || !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(*r.ID) {
		fail("id")
	}
	if r.Name == nil || *r.Name == "" || n(*r.Name) > 256 {
		fail("name")
	}
	if r.Descr == nil || n(*r.Descr) > 5000 {
		fail("description")
	}
	if r.Severity == nil || !map[string]bool{"Informational": true, "Low": true, "Medium": true, "High": true}[*r.Severity] {
		fail("severity")
	}
	if r.Connectors == nil {
		fail("requiredDataConnectors missing")
	} else {
		for _, c := range *r.Connectors {
			if c.ConnectorID == "" || len(c.DataTypes) == 0 {
				fail("requiredDataConnectors entry %+v", c)
			}
		}
	}
	dur := func(s *string) time.Duration {
		if s == nil || len(*s) < 2 {
			return 0
		}
		v, err := strconv.Atoi((*s)[:len(*s)-1])
		if err != nil {
			return 0
		}
		return time.Duration(v) * map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[(*s)[len(*s)-1]]
	}
	freq, period := dur(r.Frequency), dur(r.Period)
	in := func(d time.Duration) bool { return d >= 5*time.Minute && d <= 14*24*time.Hour }
	if !in(freq) || !in(period) || period < freq || (period >= 48*time.Hour && freq < time.Hour) {
		fail("schedule %v %v", r.Frequency, r.Period)
	}
	if r.Operator == nil || !map[string]bool{"gt": true, "lt": true, "eq": true, "ne": true}[*r.Operator] {
		fail("triggerOperator")
	}
	if r.Threshold == nil || *r.Threshold < 0 || *r.Threshold > 10000 {
		fail("triggerThreshold")
	}
	if r.Query == nil || *r.Query == "" || n(*r.Query) > 10000 {
		fail("query")
	}
	if r.Version == nil || r.Kind == nil || *r.Kind != "Scheduled" {
		fail("version or kind")
	}
	tactics := map[string]bool{}
	if r.Tactics == nil {
		fail("tactics missing")
	} else {
		for _, t := range *r.Tactics {
			if !sentinelTactics[t] {
				fail("tactic %s", t)
			}
			tactics[t] = true
		}
	}
	if r.Techniques != nil {
		for _, id := range *r.Techniques {
			need, ok := deploy.TechniqueTactics(id)
			if !ok || !regexp.MustCompile(`^T\d{4}(\.\d{3})?$`).MatchString(id) {
				fail("technique %s", id)
			}
			for _, t := range need {
				if !tactics[t] {
					fail("technique %s without tactic %s", id, t)
				}
			}
		}
	}
	if r.Entities != nil {
		if len(*r.Entities) < 1 || len(*r.Entities) > 5 {
			fail("%d entities", len(*r.Entities))
		}
		for _, e := range *r.Entities {
			ids, required, ok := deploy.EntityIdentifiers(e.EntityType)
			if !ok || len(e.FieldMappings) < 1 || len(e.FieldMappings) > 3 {
				fail("entity %s", e.EntityType)
			}
			used := map[string]bool{}
			for _, fm := range e.FieldMappings {
				allowed := false
				for _, id := range ids {
					allowed = allowed || id == fm.Identifier
				}
				if !allowed || used[fm.Identifier] || !regexp.MustCompile(`^[a-zA-Z_]+\w*$`).MatchString(fm.ColumnName) {
					fail("entity %s field %+v", e.EntityType, fm)
				}
				used[fm.Identifier] = true
			}
			hasRequired := false
			for _, combo := range required {
				all := true
				for _, id := range combo {
					all = all && used[id]
				}
				hasRequired = hasRequired || all
			}
			if !hasRequired {
				fail("entity %s without its required identifiers", e.EntityType)
			}
		}
	}
	return bad
}

// TestEmittedSentinelRulesValid converts the SigmaHQ corpus (or, without
// it, the rules of this repository) to Sentinel rule files and checks
// every file written with the validator's rules.
func TestEmittedSentinelRulesValid(t *testing.T) {
	src, _ := filepath.Abs(filepath.Join("..", "..", "..", "shared", "conformance", "corpus"))
	if _, err := os.Stat(src); err != nil {
		src, _ = filepath.Abs(filepath.Join("..", "..", "rules"))
	}
	if testing.Short() {
		src, _ = filepath.Abs(filepath.Join("..", "..", "rules"))
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "out") + "/"
	rep := filepath.Join(dir, "r.json")
	if _, stderr, code := runCLI([]string{"convert", "-t", "kusto", "-p", "microsoft_xdr", "-f", "sentinel_rule", "-s", "-o", out, "--report", rep, src}, dir); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	r := readReport(t, rep)
	files := listFiles(t, out)
	if len(files) == 0 || len(files) != r.Summary.FilesWritten {
		t.Fatalf("%d files, report says %d written", len(files), r.Summary.FilesWritten)
	}
	for _, f := range files {
		if !strings.HasSuffix(f, ".yaml") {
			t.Errorf("%s: not a .yaml file", f)
			continue
		}
		data, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		if bad := checkSentinelFile(data); len(bad) > 0 {
			t.Errorf("%s: %s", f, strings.Join(bad, "; "))
		}
	}
	t.Logf("%s: %d rules, %d files checked, %d failures reported", src, r.Summary.Rules, len(files), r.Summary.Failed)
}

// TestCheckSentinelFile makes sure that the file check finds problems.
func TestCheckSentinelFile(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("..", "..", "golden", "kusto-microsoft_xdr-sentinel_rule", "windows", "image_load", "image_load_dll_cmstp_susp_location.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if bad := checkSentinelFile(good); len(bad) > 0 {
		t.Fatalf("seed rule: %v", bad)
	}
	for from, to := range map[string]string{
		"  - DefenseEvasion\n": "  - Execution\n",
		"queryPeriod: 1h":      "queryPeriod: 30m",
		"identifier: FullName": "identifier: Name",
		"kind: Scheduled":      "kind: NRT",
	} {
		if bad := checkSentinelFile([]byte(strings.Replace(string(good), from, to, 1))); len(bad) == 0 {
			t.Errorf("%q -> %q: not found", from, to)
		}
	}
}
