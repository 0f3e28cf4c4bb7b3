package pipeline

import (
	"strings"
	"testing"
)

// A rule without a table is rejected with the first reason whose log
// source tests hold, else with the generic message; the built-in
// pipelines of the same target that convert the rule are named.
func TestSelectTableReasons(t *testing.T) {
	p, err := Load("r.yml", []byte(`name: r
targets: [kusto]
tables:
  categories: {process_creation: Proc}
  reasons:
    - category: [ps_script, ps_module]
      message: "no script blocks ({category})"
    - product: linux
      service: [""]
      message: "no Linux logs without a service"
    - product: windows
      message: "no {service} log ({logsource})"
transformations:
  - type: select_table
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ logsource, want string }{
		{"{product: windows, category: ps_script}", "r.yml:2:12: no script blocks (ps_script)"},
		{"{product: linux}", "r.yml:2:12: no Linux logs without a service"},
		{"{product: windows, service: system}", "r.yml:2:12: no system log (product: windows, service: system)"},
		{"{product: zeek, service: dns}", `r.yml:2:12: cannot choose a query table: the rule has no log source category (service "dns") that pipeline r maps`},
		// sentinel_asim has a table for proxy logs.
		{"{category: proxy}", "r.yml:2:12: cannot choose a query table: log source category \"proxy\" has no table in pipeline r (categories with a table: process_creation); set one with -O query_table=TABLE; pipeline sentinel_asim has a table for it (-p sentinel_asim)"},
	}
	for _, tt := range tests {
		r := rule(t, "title: t\nlogsource: "+tt.logsource+"\ndetection: {sel: {c-uri: x}, condition: sel}\n")
		_, err := Apply([]*Pipeline{p}, r, Options{})
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: got %v\nwant %s", tt.logsource, err, tt.want)
		}
	}
}

func TestReasonErrors(t *testing.T) {
	for _, tt := range []struct{ src, want string }{
		{"name: x\ntables:\n  reasons:\n    - categroy: a\n      message: m\n", `p.yml:4:7: unknown key "categroy", did you mean "category"?`},
		{"name: x\ntables:\n  reasons:\n    - category: a\n", `p.yml:4:7: a reason needs a message`},
	} {
		_, err := Load("p.yml", []byte(tt.src), nil)
		if err == nil || strings.Split(err.Error(), " (and ")[0] != tt.want {
			t.Errorf("%q: got %v, want %s", tt.src, err, tt.want)
		}
	}
}

// An event ID group with services applies to rules of those services only
// ("" for a rule without one): Sysmon's event 21 is not another log's 21.
func TestEventIDGroupServices(t *testing.T) {
	p, err := Load("r.yml", []byte(`name: r
targets: [kusto]
tables:
  event_ids:
    detections: sel
    fields: [EventID]
    groups:
      - {name: wmi, ids: [21], reason: "no WMI events", services: [sysmon, ""]}
      - {name: other, ids: [21], table: Other}
transformations:
  - type: select_table
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	for service, want := range map[string]string{"sysmon": "no WMI events", "": "no WMI events", "terminalservices": ""} {
		ls := "{product: windows}"
		if service != "" {
			ls = "{product: windows, service: " + service + "}"
		}
		r := rule(t, "title: t\nlogsource: "+ls+"\ndetection: {sel: {EventID: 21}, condition: sel}\n")
		res, err := Apply([]*Pipeline{p}, r, Options{})
		switch {
		case want == "" && (err != nil || res.Table != "Other"):
			t.Errorf("service %q: table %v, error %v; want Other", service, res, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("service %q: error %v; want %q", service, err, want)
		}
	}
}
