package pipeline

import (
	"regexp"
	"strings"
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

// With unavailable, a value the map does not list is data the target
// lacks: left out of an OR with a warning, or the rule is rejected.
func TestMapValuesUnavailable(t *testing.T) {
	p, err := Load("m.yml", []byte("name: m\ntransformations:\n  - type: map_values\n    fields: [EventID]\n    values: {\"4624\": LogonSuccess}\n    unavailable: \"no event {value}\"\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rule(t, "title: t\nlogsource: {service: security}\ndetection: {s: {EventID: [4624, 4634]}, condition: s}\n")
	res, err := Apply([]*Pipeline{p}, r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].Error(), "no event 4634") {
		t.Errorf("an unmapped alternative: warnings %v, want one naming it", res.Warnings)
	}
	r = rule(t, "title: t\nlogsource: {service: security}\ndetection: {s: {EventID: 4634}, condition: s}\n")
	if _, err := Apply([]*Pipeline{p}, r, Options{}); err == nil || !strings.Contains(err.Error(), "no event 4634") {
		t.Errorf("a required unmapped value: got %v, want a rejection naming it", err)
	}
}

// A string is looked up in any case unless cased. With unavailable, the
// values listed are all the field holds: a value with wildcards or a
// regular expression stands for the listed values it matches, and an all
// list for those that every value of the list matches.
func TestMapValuesCaseAndPatterns(t *testing.T) {
	p, err := Load("m.yml", []byte("name: m\ntransformations:\n  - type: map_values\n    fields: [EventType]\n    values: {CreateKey: KeyCreated, SetValue: ValueSet, DeleteValue: ValueDeleted}\n    unavailable: \"no type {value}\"\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ item, want string }{
		{"EventType: setVALUE", "ValueSet"},
		{"EventType|endswith: value", "ValueDeleted ValueSet"},
		{"EventType: '*e?ey'", "KeyCreated"},
		{"EventType|re: '^(Create|Set)'", "KeyCreated ValueSet"},
		{"EventType|contains|all: [lu, SET]", "ValueSet"},
		{"EventType|cased: setvalue", "error: EventType: no type setvalue;"},
		{"EventType|startswith: Rename", "error: EventType: no type Rename*;"},
	} {
		r := rule(t, "title: t\nlogsource: {category: registry_set}\ndetection:\n  s:\n    "+tt.item+"\n  condition: s\n")
		res, err := Apply([]*Pipeline{p}, r, Options{})
		var got []string
		if err != nil {
			got = []string{"error: " + position.ReplaceAllString(err.Error(), "")}
		} else {
			ast.FieldMatches(res.Rule.Detection.Searches[0].Body, func(fm *ast.FieldMatch) {
				for _, v := range fm.Values {
					got = append(got, v.(*ast.String).Plain())
				}
				if fm.All {
					got = append(got, "(all)")
				}
			})
		}
		if g := strings.Join(got, " "); !strings.HasPrefix(g, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.item, g, tt.want)
		}
	}
}

// position is the file:line:col: that opens an error.
var position = regexp.MustCompile(`^\S+:\d+:\d+: `)
