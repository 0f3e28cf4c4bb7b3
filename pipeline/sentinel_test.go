package pipeline_test

import (
	"reflect"
	"testing"

	"github.com/sigma2kql/sigma2kql/pipeline"
)

// The two pipelines of Windows event logs in Log Analytics differ only in
// the names of the table's columns: the log sources they accept, the
// channels and event IDs, and the rejections must be the same.
func TestWindowsChannelPipelinesAgree(t *testing.T) {
	type shape struct {
		tables     []pipeline.RuleCond
		fails      []string
		conditions []map[string]pipeline.NameList
	}
	read := func(name string) shape {
		var s shape
		for _, st := range pipeline.Builtin(name).Steps {
			switch st := st.(type) {
			case *pipeline.SetTable:
				s.tables = append(s.tables, *st.Common().When)
			case *pipeline.Fail:
				s.fails = append(s.fails, st.Message)
			case *pipeline.LogsourceCondition:
				s.conditions = append(s.conditions, st.Categories, st.Services)
			}
		}
		return s
	}
	we, ev := read("sentinel_windowsevent"), read("sentinel_event")
	for i := range we.fails {
		// The messages name their pipeline.
		we.fails[i] = ""
		ev.fails[i] = ""
	}
	if len(we.conditions) != 4 || !reflect.DeepEqual(we, ev) {
		t.Errorf("sentinel_windowsevent and sentinel_event differ:\n%+v\n%+v", we, ev)
	}
}
