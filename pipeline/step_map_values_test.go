package pipeline

import (
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
)

// map_values reads a boolean written without quotes as "true" or "false",
// as it reads a number by its text.
func TestMapValuesBool(t *testing.T) {
	p, err := Load("m.yml", []byte("name: m\ntransformations:\n  - type: map_values\n    fields: [Initiated]\n    values: {\"true\": Outbound, \"false\": Inbound, \"1\": One}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ value, want string }{{"true", "Outbound"}, {"'true'", "Outbound"}, {"false", "Inbound"}, {"1", "One"}, {"other", "other"}} {
		r := rule(t, "title: t\nlogsource: {category: network_connection}\ndetection: {s: {Initiated: "+tt.value+"}, condition: s}\n")
		res, err := Apply([]*Pipeline{p}, r, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got string
		ast.FieldMatches(res.Rule.Detection.Searches[0].Body, func(fm *ast.FieldMatch) {
			if s, ok := fm.Values[0].(*ast.String); ok {
				got = s.Plain()
			} else {
				got = "not a string"
			}
		})
		if got != tt.want {
			t.Errorf("Initiated: %s became %q, want %q", tt.value, got, tt.want)
		}
	}
}
