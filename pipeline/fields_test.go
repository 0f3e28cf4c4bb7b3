package pipeline

import (
	"strings"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/parser"
)

func applySrc(t *testing.T, pipe, rule string) (*Result, error) {
	t.Helper()
	p, err := Load("p.yml", []byte(pipe), nil)
	if err != nil {
		t.Fatalf("pipeline: %v", err)
	}
	f, err := parser.ParseFile("rule.yml", []byte(rule))
	if err != nil {
		t.Fatalf("rule: %v", err)
	}
	return Apply([]*Pipeline{p}, f.Docs[0].(*ast.Rule), Options{})
}

const fieldsRule = `title: T
logsource: {product: windows, category: process_creation}
detection:
    sel:
        Image: x
        CommandLine|fieldref: ParentCommandLine
    condition: sel
fields: [Image, ProcessId, CommandLine, User]
`

// A field mapping renames the rule's fields list like the items: one to
// several, and not twice under unmapped_only.
func TestMapFieldsRenamesFieldsList(t *testing.T) {
	res, err := applySrc(t, `transformations:
  - type: map_fields
    mapping: {Image: FolderPath, ProcessId: ProcessId, User: [AccountName, AccountDomain]}
  - type: map_fields
    unmapped_only: true
    mapping: {ProcessId: InitiatingProcessId, CommandLine: ProcessCommandLine, ParentCommandLine: ParentCmd}
`, fieldsRule)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(res.Rule.Fields, ","), "FolderPath,ProcessId,ProcessCommandLine,AccountName,AccountDomain"; got != want {
		t.Errorf("fields = %s, want %s", got, want)
	}
}

// allow_fields also checks the fields that values refer to, and names a
// keyword as such.
func TestAllowFields(t *testing.T) {
	pipe := `transformations:
  - type: allow_fields
    allow: [Image, CommandLine]
    message: "%q is not in the data model"
`
	_, err := applySrc(t, pipe, fieldsRule)
	if err == nil || !strings.Contains(err.Error(), `"ParentCommandLine" is not in the data model`) {
		t.Errorf("got %v, want an error about the referenced field", err)
	}
	_, err = applySrc(t, pipe, `title: T
logsource: {product: windows, category: process_creation}
detection:
    keywords: [x]
    condition: keywords
`)
	if err == nil || !strings.Contains(err.Error(), "a keyword (a value without a field) is not in the data model") {
		t.Errorf("got %v, want an error about the keyword", err)
	}
}

// CheckField maps a field as MapField does and applies the field checks
// that hold for the rule, at the position given; MapField does not check.
func TestCheckField(t *testing.T) {
	pipe := `transformations:
  - type: allow_fields
    when: {category: [process_creation]}
    allow: [Image, User]
    message: "%q is not in the data model"
  - type: map_fields
    mapping: {User: Processes.user}
`
	res, err := applySrc(t, pipe, `title: T
logsource: {product: windows, category: process_creation}
detection:
    sel: {Image: x}
    condition: sel
`)
	if err != nil {
		t.Fatal(err)
	}
	pos := ast.Pos{Filename: "c.yml", Line: 3, Column: 5}
	if got, err := res.CheckField("User", pos); got != "Processes.user" || err != nil {
		t.Errorf("CheckField(User) = %q, %v", got, err)
	}
	if got, err := res.CheckField("DeviceName", pos); got != "DeviceName" || err == nil || err.Error() != `c.yml:3:5: "DeviceName" is not in the data model` {
		t.Errorf("CheckField(DeviceName) = %q, %v", got, err)
	}
	if got := res.MapField("DeviceName"); got != "DeviceName" {
		t.Errorf("MapField(DeviceName) = %q", got)
	}
	if len(res.Rule.Detection.Searches) != 1 {
		t.Errorf("the rule changed: %d searches", len(res.Rule.Detection.Searches))
	}
}
