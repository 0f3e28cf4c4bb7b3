package kqlcheck

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sigma2kql/sigma2kql/pipeline"
)

// The project's own kqlcheck schemas hold tables of a built-in pipeline's
// schema, with the same columns: the gate checks queries against what the
// pipeline checks fields against.
func TestOwnSchemasMatchPipelines(t *testing.T) {
	for _, p := range pipeline.Builtins() {
		f := OwnSchemaFile(p.Name)
		if f == "" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var own map[string]map[string]string
		if err := json.Unmarshal(data, &own); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for table, cols := range own {
			pt, ok := p.Schema[table]
			if !ok {
				t.Errorf("%s: table %s is not in the schema of pipeline %s", f, table, p.Name)
				continue
			}
			if diff := cmp.Diff(pt.Columns, cols); diff != "" {
				t.Errorf("%s: table %s differs from pipeline %s (-pipeline +own):\n%s", f, table, p.Name, diff)
			}
		}
	}
}
