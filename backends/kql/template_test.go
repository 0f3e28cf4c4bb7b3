package kql

import (
	"strings"
	"testing"
)

// TestFillTemplate checks fillTemplate against strings.Replacer.
func TestFillTemplate(t *testing.T) {
	for _, q := range []string{"", "{table}\n| where {condition}", "{condition}", "{{table}}", "{table", "x{y}{table}{condition}{table}z", "{cond{table}", "{}{"} {
		for _, v := range [][2]string{{"T", "a == 1"}, {"{condition}", "{table}"}, {"", ""}} {
			want := strings.NewReplacer("{table}", v[0], "{condition}", v[1]).Replace(q)
			if got := fillTemplate(q, v[0], v[1]); got != want {
				t.Errorf("fillTemplate(%q, %q, %q) = %q, want %q", q, v[0], v[1], got, want)
			}
		}
	}
}
