package regression

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/internal/testsupport/rowmodel"
)

var update = flag.Bool("update", false, "rewrite testdata/<pipeline>.known-failing.txt from this run (review the diff: every line is a rule whose query misses its event)")

// Every rule of the regression suite that converts must fire on the rows
// its events leave in the target, for every pipeline with a row model.
// The rules known not to fire yet are listed, with the reason, in
// testdata/<pipeline>.known-failing.txt; the test fails when an unlisted
// rule does not fire or a listed one fires (the list is stale).
func TestRegression(t *testing.T) {
	shared, ok := SharedDir()
	if !ok {
		t.Skipf("%s is absent: the regression events, the corpus and the table schemas are there", shared)
	}
	tests, err := Load(filepath.Join(shared, "conformance", "regression"), filepath.Join(shared, "conformance", "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][3]int{}
	for _, p := range rowmodel.Pipelines() {
		t.Run(p, func(t *testing.T) {
			s := runPipeline(t, p, shared, tests)
			got[p] = [3]int{s.converted, len(s.fired), len(s.missed)}
		})
	}
	if len(got) == len(rowmodel.Pipelines()) && !*update {
		checkReadme(t, got)
	}
}

// readmeRow is a row of the README's table of regression figures:
// pipelines in backquotes, then convert, fire, listed as not firing.
var readmeRow = regexp.MustCompile("^\\| (`[a-z_]+`(?:, `[a-z_]+`)*) \\| (\\d+) \\| (\\d+) \\| (\\d+)")

// checkReadme compares the figures of the README's section "Execution on
// real events" with the run's, so that they stay true.
func checkReadme(t *testing.T, got map[string][3]int) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, line := range strings.Split(string(b), "\n") {
		m := readmeRow.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		var want [3]int
		for j := range want {
			want[j], _ = strconv.Atoi(m[j+2])
		}
		for _, p := range strings.Split(m[1], ", ") {
			p = strings.Trim(p, "`")
			seen[p] = true
			if g, ok := got[p]; ok && g != want {
				t.Errorf("README.md:%d: %s converts, fires, misses %v, the run %v: update the table", i+1, p, want, g)
			}
		}
	}
	for p := range got {
		if !seen[p] {
			t.Errorf("README.md: the table of regression figures has no row for %s", p)
		}
	}
}

func knownFile(pipeline string) string {
	return filepath.Join("testdata", pipeline+".known-failing.txt")
}

func runPipeline(t *testing.T, pipeline, shared string, tests []Test) summary {
	h, err := New(pipeline, shared)
	if err != nil {
		t.Fatal(err)
	}
	known, err := ReadKnown(knownFile(pipeline))
	if err != nil {
		t.Fatal(err)
	}
	var s summary
	for i := range tests {
		s.add(h.Run(&tests[i]))
	}
	s.log(t, pipeline)
	if *update {
		if err := writeKnown(knownFile(pipeline), s.missed, known); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s.check(t, known, knownFile(pipeline))
	return s
}

// A summary gathers the outcomes of a run.
type summary struct {
	total, converted int
	fired            []Outcome
	missed           []Outcome // converted, did not fire
	unconverted      []Outcome
	noRow            map[string]int
}

func (s *summary) add(o Outcome) {
	s.total++
	if s.noRow == nil {
		s.noRow = map[string]int{}
	}
	for _, r := range o.NoRow {
		s.noRow[r]++
	}
	switch {
	case !o.Converted():
		s.unconverted = append(s.unconverted, o)
	case o.Fired > 0:
		s.converted++
		s.fired = append(s.fired, o)
	default:
		s.converted++
		s.missed = append(s.missed, o)
	}
}

func (s *summary) log(t *testing.T, pipeline string) {
	t.Logf("%s: %d tests; %d convert, %d fire, %d do not fire; %d do not convert", pipeline, s.total, s.converted, len(s.fired), len(s.missed), len(s.unconverted))
	for _, o := range s.missed {
		t.Logf("not fired: %s: %s", o.Test.RulePath, o.Why)
	}
	for _, o := range s.unconverted {
		t.Logf("not converted: %s: %s", o.Test.RulePath, firstLine(o.ConvertErr.Error()))
	}
	var agree, events int
	for _, o := range append(append([]Outcome{}, s.fired...), s.missed...) {
		a, n := logSigmaDiff(t, o)
		agree, events = agree+a, events+n
	}
	t.Logf("per event, the queries agree with the Sigma rules (evaluated by the match package) on %d of %d events", agree, events)
	var reasons []string
	for r, n := range s.noRow {
		reasons = append(reasons, fmt.Sprintf("%d tests: %s", n, r))
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		t.Logf("events without a row: %s", r)
	}
}

// logSigmaDiff reports the events where the query and the Sigma rule (on
// the event itself) disagree: the query fires on an event the rule does
// not match (too broad, or a model artefact), or misses an event the rule
// matches although the target records it (too narrow). match_count of
// info.yml is not used: it is a minimum, not the number of matching
// events.
// It returns the number of events where they agree (an event the rule
// matches but the target does not record counts as agreeing), of all.
func logSigmaDiff(t *testing.T, o Outcome) (agree, all int) {
	var broad, narrow []int
	for i, e := range o.Events {
		switch {
		case e.SigmaErr != nil:
			t.Logf("sigma: %s: event %d: the match package cannot decide: %v", o.Test.RulePath, i+1, e.SigmaErr)
		case e.Fired && !e.Sigma:
			broad = append(broad, i+1)
		case e.Sigma && !e.Fired && e.Rows > 0:
			narrow = append(narrow, i+1)
		default:
			agree++
		}
	}
	if broad != nil {
		t.Logf("broader than Sigma: %s: the query fires on events %v that the rule does not match", o.Test.RulePath, broad)
	}
	if narrow != nil {
		t.Logf("narrower than Sigma: %s: the query misses events %v that the rule matches", o.Test.RulePath, narrow)
	}
	return agree, len(o.Events)
}

// check compares the run with the list of known failures.
func (s *summary) check(t *testing.T, known Known, file string) {
	seen := map[string]bool{}
	for _, o := range s.missed {
		seen[o.Test.RulePath] = true
		if _, ok := known[o.Test.RulePath]; !ok {
			t.Errorf("%s does not fire on its events (%s):\n  why: %s\n  rows: %v\n  query:\n%s\n  (fix the conversion, or list it in %s with the reason)",
				o.Test.RulePath, o.Test.Name, o.Why, o.Rows, indent(strings.Join(o.Queries, "\n\n")), file)
		}
	}
	for _, o := range s.fired {
		seen[o.Test.RulePath] = true
		if _, ok := known[o.Test.RulePath]; ok {
			t.Errorf("%s fires now: remove it from %s", o.Test.RulePath, file)
		}
	}
	for _, o := range s.unconverted {
		seen[o.Test.RulePath] = true
		if _, ok := known[o.Test.RulePath]; ok {
			t.Errorf("%s no longer converts (%s): remove it from %s", o.Test.RulePath, firstLine(o.ConvertErr.Error()), file)
		}
	}
	for p := range known {
		if !seen[p] {
			t.Errorf("%s is listed in %s but is no regression test's rule", p, file)
		}
	}
}

// knownHeader opens the list of known failures.
const knownHeader = `# Regression rules whose query does not fire on the rows their events leave in the target.
# One line each: rule path under the corpus, a tab, the defect classes (see ../shared/reference/microsoft-tables.md
# section 1), then what keeps the rows out (the conjuncts of the where that are false, quoted from the query).
# go test ./internal/testsupport/regression -update rewrites the list from a run, keeping the reasons of the rules
# already listed; shrink it by fixing conversions.
`

// writeKnown writes the list of known failures: the rules that missed,
// with the reason already listed for them, else what kept the rows out.
// A pipeline without a list and without failures gets none.
func writeKnown(file string, missed []Outcome, known Known) error {
	if _, err := os.Stat(file); len(missed) == 0 && os.IsNotExist(err) {
		return nil // no list is an empty list
	}
	var b strings.Builder
	b.WriteString(knownHeader)
	for _, o := range missed {
		reason := known[o.Test.RulePath]
		if reason == "" {
			reason = oneLine(o.Why)
		}
		fmt.Fprintf(&b, "%s\t%s\n", o.Test.RulePath, reason)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	return os.WriteFile(file, []byte(b.String()), 0o644)
}

// maxReason bounds a reason in the list.
const maxReason = 240

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxReason {
		s = string(r[:maxReason]) + "..."
	}
	return s
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
