package backends

import (
	"strings"
	"testing"
)

// TestTemplateFill checks Fill against strings.Replacer.
func TestTemplateFill(t *testing.T) {
	for _, q := range []string{"", "{table}\n| where {condition}", "{condition}", "{{table}}", "{table", "x{y}{table}{condition}{table}z", "{cond{table}", "{}{"} {
		for _, v := range [][2]string{{"T", "a == 1"}, {"{condition}", "{table}"}, {"T", ""}} {
			want := strings.NewReplacer("{table}", v[0], "{condition}", v[1]).Replace(q)
			if got := Template(q).Fill(v[0], v[1]); got != want {
				t.Errorf("Template(%q).Fill(%q, %q) = %q, want %q", q, v[0], v[1], got, want)
			}
		}
	}
}

// TestCheckTemplate: a template that names {table} when no pipeline chose a
// table is an error that names the log source and how to choose one; a
// placeholder the backend does not fill is an error; others are fine.
func TestCheckTemplate(t *testing.T) {
	r := resolveRule(t, "    sel: {A: 1}\n", "sel")
	for _, tc := range []struct {
		tmpl, table string
		supported   []string
		err         string
	}{
		{"{table} | where {condition}", "", nil, "r.yml:2:12: no pipeline of the run has a table for log source {category: test}; see 'sigma2kql list pipelines'"},
		{"{table} | where {condition}", "T", nil, ""},
		{"index=x {condition}", "", nil, ""},
		{"{table}\n| where {prefilter}\n| where {condition}", "T", nil, `r.yml:2:12: the query template "{table}\n| where {prefilter}\n| where {condition}" of the pipelines names {prefilter}, which this target does not fill`},
		{"{table}\n| where {prefilter}\n{columns}\n| where {condition}", "T", []string{"prefilter", "columns"}, ""},
	} {
		r.Template, r.Result.Table = Template(tc.tmpl), tc.table
		err := r.CheckTemplate(tc.supported...)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err)) {
			t.Errorf("%q, table %q: error %v, want %q", tc.tmpl, tc.table, err, tc.err)
		}
	}
}
