package pipeline_test

import (
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/backends/kql"
	"github.com/sigma2kql/sigma2kql/backends/splunk"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// A placeholders step in mode expression leaves the value in the rule and
// gives the backends the expression, with the field's name filled; later
// value steps leave the value alone.
func TestPlaceholderExpression(t *testing.T) {
	p := load(t, `query_table: Events_CL
transformations:
  - type: placeholders
    mode: expression
    expression: "{field} in (_GetWatchlist('{name}'))"
  - type: replace_prefix
    fields: [User]
    prefix: x
    replacement: y
`)
	f, err := parser.ParseFile("r.yml", []byte("title: t\nlogsource: {product: windows}\ndetection:\n    s:\n        User|expand: 'x%Admins%'\n        Image: a\n    condition: s\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Apply([]*pipeline.Pipeline{p}, f.Docs[0].(*ast.Rule), pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var v *ast.String
	ast.FieldMatches(res.Rule.Detection.Searches[0].Body, func(fm *ast.FieldMatch) {
		if fm.Field == "User" {
			v = fm.Values[0].(*ast.String)
		}
	})
	if e, ok := res.Expression(v, "U"); !ok || e != "U in (_GetWatchlist('Admins'))" || !v.HasPlaceholders() {
		t.Errorf("Expression = %q, %v; value %q", e, ok, v.Text())
	}
	tests := []struct {
		b    backends.Backend
		want string
	}{
		{kql.New(nil), "Events_CL\n| where User in (_GetWatchlist('Admins')) and Image =~ \"a\""},
		{splunk.New(nil), "User in (_GetWatchlist('Admins')) Image=\"a\""},
	}
	for _, tt := range tests {
		out, err := tt.b.Convert(res, "default")
		if err != nil || strings.Join(out, "\n") != tt.want {
			t.Errorf("got %q, %v\nwant %q", out, err, tt.want)
		}
	}
}
