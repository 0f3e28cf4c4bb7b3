// Package pipediff checks a pipeline's field and value mappings against
// Sigma's semantics on real events. From each regression event of
// ../shared/conformance/regression (Sysmon, Security, Task Scheduler), a
// seeded generator writes many small rules with the log source of the
// event's regression rule, whose items test the values the event has:
// equality, substrings under contains, startswith and endswith, changed
// case, near misses, lists, the all modifier, negation, null and exists.
// Events of log sources the regression lacks are derived from the real
// ones (derive.go).
// Each rule is converted with the pipeline and run on the rows the
// pipeline's row model gives for the event (package regression's Harness);
// the match package evaluates the rule on the event itself. The two
// verdicts must agree: a disagreement is a defect of the pipeline, the
// backend or the row model, or a known approximation that the test lists
// with its reason.
package pipediff

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sigma2kql/sigma2kql/internal/testsupport/regression"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/rowmodel"
	"github.com/sigma2kql/sigma2kql/match"
)

// A Source is one real event and the log source of the rule it was
// recorded for.
type Source struct {
	Test      string            // the regression test's name
	Logsource map[string]string // product, category, service of its rule
	System    map[string]any    // the event's System element
	Data      map[string]any    // its EventData (or UserData) fields, numbers as json.Number
	Event     rowmodel.WindowsEvent
}

// Fields lists the names of the event's own fields, sorted.
func (s *Source) Fields() []string {
	var out []string
	for k := range s.Data {
		if !strings.HasPrefix(k, "#") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// LoadSources reads the events of the regression suite (regressionDir)
// whose rules are in corpusDir, in the order of the tests and their files.
// Events without fields are left out.
func LoadSources(regressionDir, corpusDir string) ([]*Source, error) {
	tests, err := regression.Load(regressionDir, corpusDir)
	if err != nil {
		return nil, err
	}
	var out []*Source
	for _, t := range tests {
		ls, err := logsource(t.Rule)
		if err != nil {
			return nil, err
		}
		files, _ := filepath.Glob(filepath.Join(regressionDir, "rules", filepath.FromSlash(t.Name), "*.json"))
		sort.Strings(files)
		for _, f := range files {
			srcs, err := readSources(f)
			if err != nil {
				return nil, err
			}
			for _, s := range srcs {
				s.Test, s.Logsource = t.Name, ls
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// logsource reads the product, category and service of a rule file.
func logsource(file string) (map[string]string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var r struct {
		Logsource map[string]any `yaml:"logsource"`
	}
	if err := yaml.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	out := map[string]string{}
	for _, k := range []string{"product", "category", "service"} {
		if v, ok := r.Logsource[k].(string); ok {
			out[k] = v
		}
	}
	return out, nil
}

// readSources reads a stream of Windows events in JSON.
func readSources(file string) ([]*Source, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.UseNumber()
	var out []*Source
	for {
		var obj struct {
			Event struct {
				System    map[string]any `json:"System"`
				EventData map[string]any `json:"EventData"`
				UserData  map[string]any `json:"UserData"`
			} `json:"Event"`
		}
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		data := obj.Event.EventData
		if data == nil {
			for _, v := range obj.Event.UserData {
				data, _ = v.(map[string]any)
			}
		}
		if len(data) == 0 || obj.Event.System == nil {
			continue
		}
		out = append(out, NewSource(obj.Event.System, data))
	}
}

// NewSource makes the source of an event from its System and EventData
// elements.
func NewSource(system, data map[string]any) *Source {
	s := &Source{System: system, Data: data}
	s.Event = rowmodel.FromMatch(match.FromJSON(map[string]any{"Event": map[string]any{"System": system, "EventData": data}}))
	return s
}
