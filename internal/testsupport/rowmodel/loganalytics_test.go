package rowmodel

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends/kql"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/kqleval"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// The Event table keeps the event's data as entity-encoded XML.
func TestEventRowXML(t *testing.T) {
	ev := event(t, sysmon, 1, `{"Image": "C:\\a&b\\<x>.exe", "CommandLine": "say \"hi\"", "ProcessId": 42}`)
	rows, _ := EventTable{}.Rows(ev)
	xml := rows[0].Values["EventData"].(string)
	for _, want := range []string{`<Data Name="Image">C:\a&amp;b\&lt;x&gt;.exe</Data>`, `<Data Name="CommandLine">say &#34;hi&#34;</Data>`, `<Data Name="ProcessId">42</Data>`} {
		if !strings.Contains(xml, want) {
			t.Errorf("EventData lacks %s:\n%s", want, xml)
		}
	}
	if rows[0].Values["EventLog"] != sysmon || rows[0].Values["EventID"] != int64(1) {
		t.Errorf("columns: %v", rows[0].Values)
	}
}

// A rule converted with each Windows pipeline of Log Analytics finds the
// event in its table's row, values with XML's special characters and a
// UserData event included; a rule for other values does not.
func TestLogAnalyticsRowsFire(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	schema, err := kqleval.LoadSchema(filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "shared", "kqlcheck", "schema", "azure_monitor.json"))
	if err != nil {
		t.Skipf("no schema: %v", err)
	}
	sysmonEvent := event(t, sysmon, 1, `{"Image": "C:\\a&b\\<x>.exe", "CommandLine": "say \"hi\"", "ProcessId": 42}`)
	wmi := wmiEvent(t)
	cases := []struct {
		ev        WindowsEvent
		rule      string
		logsource string
		fires     bool
	}{
		{sysmonEvent, "Image|endswith: '\\<x>.exe'\n        CommandLine|contains: '\"hi\"'\n        ProcessId|gt: 41", "category: process_creation", true},
		{sysmonEvent, "Image|endswith: '\\&lt;x&gt;.exe'", "category: process_creation", false},
		{sysmonEvent, "ProcessId: 43", "category: process_creation", false},
		{wmi, "Operation|contains: 'ExecMethod'\n        EventID: 5858", "service: wmi", true},
	}
	for _, p := range []string{"sentinel_windowsevent", "sentinel_event"} {
		model, _ := ForPipeline(p)
		for _, c := range cases {
			q := convertFor(t, p, c.logsource, c.rule)
			rows, _ := model.Rows(c.ev)
			data := map[string][]kqleval.Row{rows[0].Table: {rows[0].Values}}
			out, err := kqleval.Eval(q, schema, data)
			if err != nil {
				t.Fatalf("%s: %v\n%s", p, err, q)
			}
			if (len(out) > 0) != c.fires {
				t.Errorf("%s, %s: %d rows, want firing %v\n%s", p, c.rule, len(out), c.fires, q)
			}
		}
	}
}

func wmiEvent(t *testing.T) WindowsEvent {
	src := `{"Event": {"System": {"Channel": "Microsoft-Windows-WMI-Activity/Operational", "EventID": 5858, "Computer": "h"}, "UserData": {"Operation_ClientFailure": {"#attributes": {"xmlns": "x"}, "Operation": "Start IWbemServices::ExecMethod", "ResultCode": "0x80041003"}}}}`
	evs, err := ReadEvents(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	return evs[0]
}

func convertFor(t *testing.T, pipe, logsource, sel string) string {
	t.Helper()
	src := "title: t\nlogsource:\n    product: windows\n    " + logsource + "\ndetection:\n    sel:\n        " + sel + "\n    condition: sel\n"
	f, err := parser.ParseFile("t.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Apply([]*pipeline.Pipeline{pipeline.Builtin(pipe)}, f.Docs[0].(*ast.Rule), pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	qs, err := kql.New(nil).Convert(res, "default")
	if err != nil || len(qs) != 1 {
		t.Fatalf("%v, %d queries", err, len(qs))
	}
	return qs[0]
}
