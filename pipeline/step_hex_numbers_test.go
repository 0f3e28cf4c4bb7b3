package pipeline

import (
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
)

// With to_hex, a whole decimal number becomes the Security log's text,
// 0x and lower-case digits; a text Sysmon never writes (a leading zero, a
// fraction) is left as it is; a part of the text or a comparison is data
// the target lacks.
func TestHexNumbersToHex(t *testing.T) {
	const yml = "name: h\ntransformations:\n  - type: hex_numbers\n    fields: [ProcessId]\n    to_hex: true\n    unavailable: \"no text for {value}\"\n"
	p, err := Load("h.yml", []byte(yml), nil)
	if err != nil {
		t.Fatal(err)
	}
	convert := func(item string) (*Result, error) {
		return Apply([]*Pipeline{p}, rule(t, "title: t\nlogsource: {category: process_creation}\ndetection: {s: {"+item+"}, condition: s}\n"), Options{})
	}
	for _, tt := range []struct{ value, want string }{
		{"9184", "0x23e0"}, {"'9184'", "0x23e0"}, {"0", "0x0"}, {"'09184'", "09184"}, {"4.5", "not a string"}, {"'0x23E0'", "0x23E0"},
	} {
		res, err := convert("ProcessId: " + tt.value)
		if err != nil {
			t.Fatal(err)
		}
		got := "not a string"
		ast.FieldMatches(res.Rule.Detection.Searches[0].Body, func(fm *ast.FieldMatch) {
			if s, ok := fm.Values[0].(*ast.String); ok {
				got = s.Plain()
			}
		})
		if got != tt.want {
			t.Errorf("ProcessId: %s became %q, want %q", tt.value, got, tt.want)
		}
	}
	for _, item := range []string{"'ProcessId|startswith': '91'", "'ProcessId|lt': 100", "'ProcessId|re': '^9'"} {
		if _, err := convert(item); err == nil || !strings.Contains(err.Error(), "no text for") {
			t.Errorf("%s: got %v, want a rejection as data the target lacks", item, err)
		}
	}
}
