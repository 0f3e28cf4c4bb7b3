package pipeline_test

import (
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends/kql"
	"github.com/sigma2kql/sigma2kql/parser"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

const lacksImphash = `query_table: T
transformations:
  - type: split_hashes
    fields: [Hashes]
    algorithms: [MD5, SHA256]
    append_algorithm: true
    unavailable: "no {algorithm} here"
  - type: unavailable
    fields: [Imphash]
    reason: "no import hash here"
`

// Values the target cannot test are left out of ORs and filters with a
// warning, and reject the rule where the rule requires them.
func TestUnavailablePolicy(t *testing.T) {
	narrower := "; left out of an OR of the rule: the query is narrower than the rule"
	broader := "; left out of a negated part of the rule: the query may fire on events the rule excludes"
	tests := []struct{ detection, want, warning string }{
		// a value of a list
		{"    s:\n        Hashes: ['MD5=a', 'IMPHASH=b']\n    condition: s\n",
			`MD5 =~ "a"`, "r.yml:5:28: warning: Hashes: no IMPHASH here" + narrower},
		// a search under 1 of
		{"    s_a:\n        Imphash: x\n    s_b:\n        Image: y\n    condition: 1 of s_*\n",
			`Image =~ "y"`, "r.yml:5:18: warning: Imphash: no import hash here" + narrower},
		// an item of a list of maps
		{"    s:\n        - Imphash: x\n        - Image: y\n    condition: s\n",
			`Image =~ "y"`, "r.yml:5:20: warning: Imphash: no import hash here" + narrower},
		// a filter
		{"    s:\n        Image: y\n    f:\n        Hashes: 'IMPHASH=b'\n    condition: s and not f\n",
			`Image =~ "y"`, "r.yml:7:18: warning: Hashes: no IMPHASH here" + broader},
		// a filter's alternative
		{"    s:\n        Image: y\n    f:\n        Hashes: ['MD5=a', 'IMPHASH=b']\n    condition: s and not f\n",
			`Image =~ "y" and (not(MD5 =~ "a"))`, "r.yml:7:28: warning: Hashes: no IMPHASH here" + broader},
		// a neq item
		{"    s:\n        Image: y\n        Imphash|neq: x\n    condition: s\n",
			`Image =~ "y"`, "r.yml:6:22: warning: Imphash: no import hash here" + broader},
		// ANDed with the rest
		{"    s:\n        Image: y\n        Imphash: x\n    condition: s\n",
			"r.yml:6:18: Imphash: no import hash here; the rule requires this value", ""},
		{"    s:\n        Image: y\n    t:\n        Imphash: x\n    condition: s and t\n",
			"r.yml:7:18: Imphash: no import hash here; the rule requires this value", ""},
		// the only alternative
		{"    s:\n        Hashes: 'IMPHASH=b'\n    condition: s\n",
			"r.yml:5:18: Hashes: no IMPHASH here; the rule requires this value", ""},
		// under all
		{"    s:\n        Imphash|all: [x, z]\n    condition: s\n",
			"r.yml:5:23: Imphash: no import hash here; the rule requires this value", ""},
	}
	for _, tt := range tests {
		got, warning := convertWarn(t, lacksImphash, tt.detection)
		if !strings.HasPrefix(got, tt.want) || warning != tt.warning {
			t.Errorf("%s\ngot  %s\n     %s\nwant %s\n     %s", tt.detection, got, warning, tt.want, tt.warning)
		}
	}
}

// convertWarn is convertWith that also returns the pipelines' warnings.
func convertWarn(t *testing.T, pipe, detection string) (query, warnings string) {
	t.Helper()
	p := load(t, pipe)
	f, err := parser.ParseFile("r.yml", []byte("title: t\nlogsource: {product: windows}\ndetection:\n"+detection))
	if err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Apply([]*pipeline.Pipeline{p}, f.Docs[0].(*ast.Rule), pipeline.Options{})
	if err != nil {
		return err.Error(), ""
	}
	out, err := kql.New(nil).Convert(res, "default")
	if err != nil {
		return err.Error(), ""
	}
	var ws []string
	for _, w := range res.Warnings {
		ws = append(ws, w.Pos.String()+": warning: "+w.Msg)
	}
	return strings.TrimPrefix(strings.Join(out, "\n"), "T\n| where "), strings.Join(ws, "\n")
}

// basename_value with unavailable: a path value whose file name part is
// empty tests the folder, which a file-name column cannot test.
func TestBasenameFolderUnavailable(t *testing.T) {
	pipe := "query_table: T\ntransformations:\n  - type: basename_value\n    fields: [ParentImage]\n    unavailable: \"no folder of {value}\"\n"
	tests := []struct{ detection, want, warning string }{
		{"    s:\n        ParentImage|endswith: ['\\a.exe', '\\Temp\\']\n    condition: s\n",
			`ParentImage =~ "a.exe"`, `r.yml:5:43: warning: ParentImage: no folder of *\Temp\; left out of an OR of the rule: the query is narrower than the rule`},
		{"    s:\n        ParentImage|startswith: 'C:\\Users\\'\n    condition: s\n",
			`r.yml:5:34: ParentImage: no folder of C:\Users\*; the rule requires this value`, ""},
		{"    s:\n        ParentImage|contains: '\\apache'\n    condition: s\n",
			`ParentImage startswith "apache"`, ""},
	}
	for _, tt := range tests {
		got, warning := convertWarn(t, pipe, tt.detection)
		if !strings.HasPrefix(got, tt.want) || warning != tt.warning {
			t.Errorf("%s\ngot  %s\n     %s\nwant %s\n     %s", tt.detection, got, warning, tt.want, tt.warning)
		}
	}
}
