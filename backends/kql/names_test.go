package kql

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/sigma2kql/sigma2kql/internal/testsupport/kqlcheck"
)

// kqlHostileNames are column and table names that a user's pipeline may map
// fields to: KQL keywords, quotes, backslashes, control characters,
// separators.
var kqlHostileNames = []string{
	"CommandLine", "_x1", "let", "by", "on", "project", "where", "and", "not", "in", "has", "true", "null",
	"between", "datetime", "dynamic", "typeof", "of", "contains", "matches", "regex", "set", "kind", "with",
	"True", "TRUE", "False", "string", "timespan", "__id", "search", "union", "print", "to", "as", "like", "first",
	"Command Line", "a-b", "1abc", "a.b", "a'b", `a"b`, `a\b`, `a\`, `\'`, "a]b", "['x']", "a\nb", "a\r\nb",
	"a\tb", "a\x00b", "\x1b[31m", "a\u2028b", "a\u0085b", "é", "中文", "😀", "a\ufeffb", "a\x7fb", "//c", "x /* y",
}

// Every name must come out of quoteName as the name itself, as Kusto reads
// it: the Go reader decodes it, and Kusto.Language must find the column of
// that name, declared with an independent, all-escaped spelling.
func TestQuoteNameRoundTrip(t *testing.T) {
	for _, name := range kqlHostileNames {
		q := quoteName(name)
		if q == name {
			continue // a bare identifier
		}
		lits, err := kqlcheck.Literals(q)
		if err != nil || len(lits) != 1 || !lits[0].Name || lits[0].Value != name {
			t.Errorf("quoteName(%q) = %s: the Go reader gives %+v, %v", name, q, lits, err)
		}
	}
	dir, err := kqlcheck.Dir()
	if err != nil {
		t.Skip("Kusto.Language's reading is not checked: ", err)
	}
	c, err := kqlcheck.Start(dir, kqlcheck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, name := range kqlHostileNames {
		query := fmt.Sprintf("print x = \"v\" | project-rename %s = x | where %s == \"v\" and %s startswith %s", kqlEscapedName(name), quoteName(name), quoteName(name), quote(name))
		res, err := c.Check(query, false)
		if err != nil {
			t.Fatal(err)
		}
		if !res.OK {
			t.Errorf("name %q: %v\nquery: %s", name, res.Errors(), query)
		}
	}
}

// kqlEscapedName writes name as ['\uXXXX...'], every UTF-16 unit escaped.
func kqlEscapedName(name string) string {
	var b strings.Builder
	b.WriteString("['")
	for _, u := range utf16.Encode([]rune(name)) {
		fmt.Fprintf(&b, `\u%04x`, u)
	}
	b.WriteString("']")
	return b.String()
}
