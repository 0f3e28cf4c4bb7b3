package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/parser"
)

func TestBuiltins(t *testing.T) {
	p := Builtin("microsoft_xdr")
	if p == nil || Builtin("microsoft_365_defender") != p {
		t.Fatal("microsoft_xdr or its alias is missing")
	}
	if p.Priority != 10 || p.Schema["DeviceProcessEvents"] == nil || p.Tables == nil {
		t.Errorf("microsoft_xdr: priority %d, schema %v, tables %v", p.Priority, p.Schema != nil, p.Tables != nil)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"name: x\ntransformations:\n  - type: map_feilds\n    mapping: {A: B}\n", `p.yml:3:5: unknown transformation type "map_feilds", did you mean "map_fields"?`},
		{"name: x\ntransformations:\n  - type: map_fields\n    mapings: {A: B}\n", `p.yml:4:5: unknown key "mapings", did you mean "mapping"?`},
		{"name: x\ntransformations:\n  - type: drop_fields\n", `p.yml:3:5: transformation drop_fields needs fields`},
		{"name: x\nquery_tabel: T\n", `p.yml:2:1: unknown key "query_tabel", did you mean "query_table"?`},
		{"name: x\ntransformations:\n  - type: map_fields\n    mapping: {A: {B: C}}\n", `p.yml:4:18: mapping of A must be a field name or a list of field names`},
		{"name: [x\n", `p.yml:1:1: invalid YAML: did not find expected ',' or ']'`},
		{"name: x\ntransformations:\n  - type: map_fields\n    when: {categroy: x}\n    mapping: {A: B}\n", `p.yml:4:12: unknown key "categroy", did you mean "category"?`},
		// The keys of a step are those of its type, not of every type.
		{"name: x\ntransformations:\n  - type: set_table\n    value: T\n    fields: [a]\n", `p.yml:5:5: unknown key "fields"; expected one of id, type, when, value`},
		{"name: x\ntables:\n  categroies: {a: B}\n", `p.yml:3:3: unknown key "categroies", did you mean "categories"?`},
		{"name: x\ntransformations:\n  - type: prefix_fields\n    value: [a, b]\n", `p.yml:4:12: expected a string, not a list`},
	}
	for _, tt := range tests {
		_, err := Load("p.yml", []byte(tt.src), nil)
		if err == nil {
			t.Errorf("%q: no error", tt.src)
			continue
		}
		if got := strings.Split(err.Error(), " (and ")[0]; got != tt.want {
			t.Errorf("%q:\n got  %s\n want %s", tt.src, got, tt.want)
		}
	}
}

func rule(t *testing.T, src string) *ast.Rule {
	t.Helper()
	f, err := parser.ParseFile("r.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return f.Docs[0].(*ast.Rule)
}

func fields(r *ast.Rule) []string {
	var out []string
	for _, s := range r.Detection.Searches {
		ast.FieldMatches(s.Body, func(fm *ast.FieldMatch) { out = append(out, fm.Field) })
	}
	return out
}

func TestTableSelection(t *testing.T) {
	xdr := Builtin("microsoft_xdr")
	tests := []struct {
		logsource, detection, want string
	}{
		{"category: process_creation", "s: {Image: x}", "DeviceProcessEvents"},
		{"service: security", "selection: {EventID: 4624, LogonType: 3}", "DeviceLogonEvents"},
		{"service: security", "selection: {EventID: [4720, 4663]}", ""},                  // 4720 has no table, 4663 a reason for none
		{"service: security", "selection: {EventID: [4663, 4624]}", "DeviceLogonEvents"}, // a group with a table wins over a reason
		{"service: security", "sel: {EventID: '4688'}", "DeviceProcessEvents"},
		{"service: security", "event: {EventID: 4688}", ""}, // only sel* searches are scanned
		{"category: dns_query", "s: {QueryName: x}", "DeviceEvents"},
		{"category: ps_script", "s: {ScriptBlockText: x}", ""}, // a category without a table ends the search
	}
	for _, tt := range tests {
		det := tt.detection
		name := strings.SplitN(det, ":", 2)[0]
		r := rule(t, "title: t\nlogsource: {"+tt.logsource+"}\ndetection: {"+det+", condition: "+name+"}\n")
		res, err := Apply([]*Pipeline{xdr}, r, Options{})
		got := ""
		if err == nil {
			got = res.Table
		}
		if got != tt.want {
			t.Errorf("%s / %s: table %q (err %v), want %q", tt.logsource, tt.detection, got, err, tt.want)
		}
	}
}

// TestUserPipelineFirst checks the documented order: a file without a
// priority runs before the built-in pipeline, so its table and field
// names win whatever the command-line order.
func TestUserPipelineFirst(t *testing.T) {
	user, err := Load("my.yml", []byte("name: my\nquery_table: MyTable_CL\ntransformations:\n  - type: map_fields\n    mapping: {Image: ProcessPath}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rule(t, "title: t\nlogsource: {category: process_creation}\ndetection: {s: {Image: x, CommandLine: y}, condition: s}\n")
	for _, order := range [][]*Pipeline{{Builtin("microsoft_xdr"), user}, {user, Builtin("microsoft_xdr")}} {
		res, err := Apply(Sort(order), r, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(fields(res.Rule), ","); res.Table != "MyTable_CL" || got != "ProcessPath,InitiatingProcessCommandLine" {
			t.Errorf("table %s, fields %s", res.Table, got)
		}
	}
	if got := fields(r); strings.Join(got, ",") != "Image,CommandLine" {
		t.Errorf("Apply changed the input rule: %v", got)
	}
}

func TestRegistryReparse(t *testing.T) {
	r := rule(t, "title: t\nlogsource: {category: registry_set}\ndetection:\n  s:\n    TargetObject|startswith: 'HKLM\\SOFTWARE\\'\n  condition: s\n")
	res, err := Apply([]*Pipeline{Builtin("microsoft_xdr")}, r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got string
	ast.FieldMatches(res.Rule.Detection.Searches[0].Body, func(fm *ast.FieldMatch) { got = fm.Values[0].(*ast.String).Text() })
	// The reference's quirk: the backslash before the wildcard is lost and
	// the wildcard becomes a literal star.
	if want := `HKEY_LOCAL_MACHINE\SOFTWARE\*`; got != want {
		t.Errorf("value %q, want %q", got, want)
	}
}

// TestWhenScalar checks that a when test accepts one value as well as a list.
func TestWhenScalar(t *testing.T) {
	p, err := Load("w.yml", []byte("name: w\ntransformations:\n  - type: set_table\n    when: {category: process_creation, product: [windows, linux]}\n    value: T\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	w := p.Steps[0].Common().When
	if len(w.Category) != 1 || w.Category[0] != "process_creation" || len(w.Product) != 2 {
		t.Errorf("when = %+v", w)
	}
}

// Every step type has a help line, and the README's table of step types
// lists it with its keys.
func TestStepTypesDocumented(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(readme), "\n") {
		if name, ok := strings.CutPrefix(line, "| `"); ok {
			name, _, _ = strings.Cut(name, "`")
			rows[name] = line
		}
	}
	names, help := StepTypes()
	for _, name := range names {
		row, ok := rows[name]
		if help[name] == "" || !ok {
			t.Errorf("step type %s: help %q, README row %v", name, help[name], ok)
			continue
		}
		typ := stepTypes[name]
		for _, k := range typ.keys()[len(commonKeys):] {
			if !strings.Contains(row, "`"+k) {
				t.Errorf("README's row of %s lacks its key %s", name, k)
			}
		}
	}
}

// A group of event IDs with a reason rejects the rule with it.
func TestTableSelectionReason(t *testing.T) {
	r := rule(t, "title: t\nlogsource: {service: security}\ndetection: {selection: {EventID: 4663, ObjectName: x}, condition: selection}\n")
	_, err := Apply([]*Pipeline{Builtin("microsoft_xdr")}, r, Options{})
	if err == nil || !strings.Contains(err.Error(), "(group object_access): these Security events are object-access audits") {
		t.Errorf("err = %v, want the object_access group's reason", err)
	}
}

// TestExpand checks the placeholders of messages, and that other braces
// stay as written.
func TestExpand(t *testing.T) {
	x := &run{rule: &ast.Rule{Logsource: ast.Logsource{Product: "windows", Service: "security"}}, res: &Result{Table: "T"}}
	tests := []struct{ msg, want string }{
		{"no table", "no table"},
		{"{table}: {product}/{category}/{service} ({logsource})", "T: windows//security (product: windows, service: security)"},
		{"{x} {table {{table}} {", "{x} {table {T} {"},
		{"{cat{service}}", "{catsecurity}"},
	}
	for _, tt := range tests {
		if got := expand(tt.msg, x); got != tt.want {
			t.Errorf("expand(%q) = %q, want %q", tt.msg, got, tt.want)
		}
	}
}

// TestHashAlgorithm checks how a Hashes value splits: one separator ("|",
// else "="), or a bare hash whose length tells its algorithm.
func TestHashAlgorithm(t *testing.T) {
	valid := []string{"MD5", "SHA1", "SHA256"}
	md5 := strings.Repeat("a", 32)
	tests := []struct{ text, algo, hash string }{
		{"SHA256=abc", "SHA256", "abc"},
		{"*md5|abc", "MD5", "abc"},
		{"IMPHASH=abc", "", "abc"},
		{"SHA1=a|b", "", "b"}, // "|" wins over "="
		{md5 + "|x|y", "MD5", md5},
		{"a=b=c", "", "a"},
		{md5, "MD5", md5},
		{"xyz", "", "xyz"},
	}
	for _, tt := range tests {
		if algo, hash := hashAlgorithm(tt.text, valid); algo != tt.algo || hash != tt.hash {
			t.Errorf("hashAlgorithm(%q) = %q, %q, want %q, %q", tt.text, algo, hash, tt.algo, tt.hash)
		}
	}
}

// TestTestsTags checks which pipelines the rejection answers keep per tags
// (givesTable): those with a step or a reason whose condition tests them.
func TestTestsTags(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{"name: x\ntransformations:\n  - type: set_table\n    value: T\n", false},
		{"name: x\ntransformations:\n  - type: set_table\n    value: T\n    when: {tag: attack.t1}\n", true},
		{"name: x\ntables:\n  categories: {a: A}\n  reasons:\n    - tag: [attack.t1]\n      message: no\n", true},
	}
	for _, tt := range tests {
		p, err := Load("p.yml", []byte(tt.src), nil)
		if err != nil {
			t.Fatalf("%q: %v", tt.src, err)
		}
		if p.testsTags != tt.want {
			t.Errorf("%q: testsTags = %v, want %v", tt.src, p.testsTags, tt.want)
		}
	}
	for _, p := range Builtins() {
		if p.testsTags != p.conditionsTestTags() {
			t.Errorf("%s: testsTags not set", p.Name)
		}
	}
}
