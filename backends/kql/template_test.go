package kql

import (
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// TestQueryTemplate: the pipelines' template holds the table and the
// condition; one that names {table} when no pipeline chose a table is an
// error.
func TestQueryTemplate(t *testing.T) {
	const rule = "title: T\nlogsource: {category: test}\ndetection: {sel: {A: x}, condition: sel}\n"
	for _, tc := range []struct{ keys, want, err string }{
		{"query_table: My_CL\nquery: \"{table}\\n| where {condition}\\n| take 10\"\n", "My_CL\n| where A =~ \"x\"\n| take 10", ""},
		{"query: \"search {condition}\"\n", "search A =~ \"x\"", ""},
		{"query_table: My_CL\n", "My_CL\n| where A =~ \"x\"", ""},
		{"query: \"{table} | where {condition}\"\n", "", "r.yml:2:12: no pipeline of the run has a table for log source {category: test}"},
	} {
		p, err := pipeline.Load("p.yml", []byte("name: p\n"+tc.keys), nil)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile("r.yml", []byte(rule))
		if err != nil {
			t.Fatal(err)
		}
		res, err := pipeline.Apply([]*pipeline.Pipeline{p}, f.Docs[0].(*ast.Rule), pipeline.Options{})
		if err != nil {
			t.Fatal(err)
		}
		qs, err := New(nil).Convert(res, "default")
		got := strings.Join(qs, "\n\n")
		switch {
		case tc.err != "":
			if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %s...", tc.keys, err, tc.err)
			}
		case err != nil || got != tc.want:
			t.Errorf("%q: got %q, %v, want %q", tc.keys, got, err, tc.want)
		}
	}
}
