package kqlcheck

import (
	"strings"
	"testing"
)

func TestLiterals(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  []string
		err   string
	}{
		{`T | where A =~ "x\\y\"z" and B in~ ('a\'b', "\t\n\r\u0000\u2028")`, []string{`x\y"z`, `a'b`, "\t\n\r\x00\u2028"}, ""},
		{`T | where ['we\'ird'] == "é"`, []string{`we'ird`, "é"}, ""},
		{`T | where A contains ":\*."`, nil, `escape \*`},
		{`T | where A contains "C:\Temp\"`, nil, `escape \T`},
		{"T | where A == \"a\nb\"", nil, "raw U+000A"},
		{`T | where A == "open`, nil, "not closed"},
		{`T | where A == @"C:\x"`, nil, `unexpected '@'`},
	} {
		lits, err := Literals(tc.query)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Literals(%q): error %v, want one with %q", tc.query, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Literals(%q): %v", tc.query, err)
			continue
		}
		var got []string
		for _, l := range lits {
			got = append(got, l.Value)
		}
		if strings.Join(got, "\x00|") != strings.Join(tc.want, "\x00|") {
			t.Errorf("Literals(%q) = %q, want %q", tc.query, got, tc.want)
		}
	}
}

// The Go reading of literals must agree with Kusto.Language's.
func TestLiteralsAgreeWithKusto(t *testing.T) {
	dir, err := Dir()
	if err != nil {
		t.Skip("kqlcheck not available: ", err)
	}
	c, err := Start(dir, Options{Schemas: []string{SchemaFile(dir, "microsoft_xdr")}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	q := `DeviceProcessEvents | where ProcessCommandLine =~ "x\\y\"z" and FolderPath in~ ('a\'b', "\t\n\r\u0000\u2028")`
	res, err := c.Check(q, true)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK {
		t.Fatalf("kqlcheck rejects %s: %v", q, res.Diagnostics)
	}
	lits, err := Literals(q)
	if err != nil {
		t.Fatal(err)
	}
	if len(lits) != len(res.Literals) {
		t.Fatalf("Go finds %d literals, Kusto %d", len(lits), len(res.Literals))
	}
	for i := range lits {
		if lits[i].Value != res.Literals[i].Value {
			t.Errorf("literal %d: Go reads %q, Kusto %q", i, lits[i].Value, res.Literals[i].Value)
		}
	}
	bad, err := c.Check("DeviceProcessEvents | where Nope == 1", false)
	if err != nil {
		t.Fatal(err)
	}
	if bad.OK || len(bad.Errors()) == 0 || bad.Errors()[0].Code != "KS142" {
		t.Errorf("unknown column: got %+v, want a KS142 error", bad)
	}
}
