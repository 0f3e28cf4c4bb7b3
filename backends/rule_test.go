package backends

import (
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
)

// TestTemplateFill checks Fill against strings.Replacer.
func TestTemplateFill(t *testing.T) {
	for _, q := range []string{"", "{table}\n| where {condition}", "{condition}", "{{table}}", "{table", "x{y}{table}{condition}{table}z", "{cond{table}", "{}{"} {
		for _, v := range [][2]string{{"T", "a == 1"}, {"{condition}", "{table}"}, {"T", ""}} {
			want := strings.NewReplacer("{table}", v[0], "{condition}", v[1]).Replace(q)
			if got, err := Template(q).Fill(ast.Pos{}, v[0], v[1]); got != want || err != nil {
				t.Errorf("Template(%q).Fill(%q, %q) = %q, %v, want %q", q, v[0], v[1], got, err, want)
			}
		}
	}
}

// TestTemplateFillNoTable: a template that names {table} when no pipeline
// chose a table is an error that says how to choose one; one that does not
// name it needs no table.
func TestTemplateFillNoTable(t *testing.T) {
	pos := ast.Pos{Filename: "r.yml", Line: 3, Column: 1}
	_, err := Template("{table} | where {condition}").Fill(pos, "", "a")
	if err == nil || !strings.HasPrefix(err.Error(), "r.yml:3:1: ") || !strings.Contains(err.Error(), "query_table") {
		t.Errorf("error = %v, want one at r.yml:3:1 naming query_table", err)
	}
	if got, err := Template("index=x {condition}").Fill(pos, "", "a"); got != "index=x a" || err != nil {
		t.Errorf("Fill = %q, %v", got, err)
	}
}
