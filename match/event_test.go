package match

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
)

const winEventJSON = `{"Event": {"#attributes": {"xmlns": "x"},
  "System": {"Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon", "Guid": "G"}},
    "EventID": {"#attributes": {"Qualifiers": 0}, "#text": 4688},
    "Execution": {"#attributes": {"ProcessID": 3308}},
    "Channel": "Security", "Computer": "host1", "Image": "from-system"},
  "EventData": {"Image": "C:\\cmd.exe", "CommandLine": "whoami", "Empty": null}}}`

func TestWindowsEvent(t *testing.T) {
	ev := event(t, winEventJSON)
	for name, want := range map[string]any{
		"Provider_Name":       "Microsoft-Windows-Sysmon",
		"EventID":             json.Number("4688"),
		"Channel":             "Security",
		"Computer":            "host1",
		"Execution_ProcessID": json.Number("3308"),
		"Image":               "C:\\cmd.exe", // EventData before System
		"CommandLine":         "whoami",
		"Empty":               nil,
	} {
		got, ok := ev.Field(name)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("Field(%q) = %#v, %v; want %#v", name, got, ok, want)
		}
	}
	for _, name := range []string{"Nope", "Provider_Nope", "System", "EventData", "#attributes"} {
		if v, ok := ev.Field(name); ok {
			t.Errorf("Field(%q) = %#v, want absent", name, v)
		}
	}
	r := parseRule(t, sel("Provider_Name: 'microsoft-windows-sysmon'\nEventID: 4688\nImage|endswith: '\\cmd.exe'"))
	if res, err := Rule(r, ev); err != nil || !res.Matched {
		t.Errorf("rule on the Windows event: %+v, %v", res, err)
	}
}

func TestUserData(t *testing.T) {
	ev := FromJSON(map[string]any{"Event": map[string]any{
		"System":   map[string]any{"EventID": float64(1102)},
		"UserData": map[string]any{"LogFileCleared": map[string]any{"SubjectUserName": "bob"}},
	}})
	if v, ok := ev.Field("SubjectUserName"); !ok || v != "bob" {
		t.Errorf("SubjectUserName = %v, %v", v, ok)
	}
	r := parseRule(t, sel("EventID: 1102"))
	if res, err := Rule(r, ev); err != nil || !res.Matched {
		t.Errorf("float64 EventID: %+v, %v", res, err)
	}
}

func TestFlatEvent(t *testing.T) {
	ev := FromJSON(map[string]any{
		"a":   map[string]any{"b": map[string]any{"c": "deep"}},
		"x.y": "dotted key",
		"n":   float64(3),
	})
	for name, want := range map[string]any{"a.b.c": "deep", "x.y": "dotted key", "n": float64(3)} {
		if got, ok := ev.Field(name); !ok || got != want {
			t.Errorf("Field(%q) = %v, %v; want %v", name, got, ok, want)
		}
	}
	if _, ok := ev.Field("a.b.d"); ok {
		t.Errorf("Field(a.b.d) found")
	}
	if got := ev.Values(); !reflect.DeepEqual(got, []any{"deep", float64(3), "dotted key"}) {
		t.Errorf("Values() = %v", got)
	}
}

func TestReadEvents(t *testing.T) {
	for name, c := range map[string]struct {
		in   string
		n    int
		want string // error text, or ""
	}{
		"one":            {`{"a": 1}`, 1, ""},
		"concatenated":   {"{\"a\": 1}\n{\n \"a\": 2\n}{\"a\": 3}", 3, ""},
		"JSON lines":     {"{\"a\": 1}\n{\"a\": 2}\n", 2, ""},
		"empty":          {"  \n", 0, ""},
		"not an object":  {`{"a": 1} [1]`, 0, "event 2"},
		"broken":         {`{"a": 1} {"a": `, 0, "event 2"},
		"null is no obj": {`null`, 0, "expected a JSON object"},
	} {
		evs, err := ReadEvents(strings.NewReader(c.in))
		switch {
		case c.want == "" && (err != nil || len(evs) != c.n):
			t.Errorf("%s: %d events, %v; want %d", name, len(evs), err, c.n)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want one containing %q", name, err, c.want)
		}
	}
}

func TestNamedData(t *testing.T) {
	ev := event(t, `{"Event": {"System": {"EventID": 4688}, "EventData": {"Data": [
		{"#attributes": {"Name": "NewProcessName"}, "#text": "C:\\cmd.exe"},
		{"#attributes": {"Name": "Empty"}}]}}}`)
	if v, ok := ev.Field("NewProcessName"); !ok || v != "C:\\cmd.exe" {
		t.Errorf("NewProcessName = %v, %v", v, ok)
	}
	if v, ok := ev.Field("Empty"); !ok || v != nil {
		t.Errorf("Empty = %v, %v", v, ok)
	}
	unnamed := event(t, `{"Event": {"System": {}, "EventData": {"Data": ["a", "b"]}}}`)
	if v, ok := unnamed.Field("Data"); !ok || len(v.([]any)) != 2 {
		t.Errorf("unnamed Data = %v, %v", v, ok)
	}
}

// TestConcurrent evaluates rules on one event from several goroutines: run
// with -race, it checks that events and the regular expression cache are
// safe to share.
func TestConcurrent(t *testing.T) {
	ev := event(t, winEventJSON)
	rules := []*ast.Rule{
		parseRule(t, "keywords:\n    - 'whoami'\ncondition: keywords"),
		parseRule(t, sel("CommandLine|re: '^who'")),
	}
	done := make(chan bool)
	for i := 0; i < 8; i++ {
		go func() {
			ok := true
			for _, r := range rules {
				res, err := Rule(r, ev)
				ok = ok && err == nil && res.Matched
			}
			done <- ok
		}()
	}
	for i := 0; i < 8; i++ {
		if !<-done {
			t.Error("a concurrent evaluation did not match")
		}
	}
}
