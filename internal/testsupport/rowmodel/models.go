package rowmodel

import "sort"

// A Row is one record of a table, its values typed as the table's schema
// says (string, int64 for long and int, float64, bool, time.Time, dynamic
// values as map[string]any or []any). Columns left out are empty (string)
// or null.
type Row struct {
	Table  string
	Values map[string]any
}

// A Model gives the rows a target records for an event. When it records
// none, rows is empty and none says why (the activity is not recorded, or
// the model does not know this event).
type Model interface {
	Rows(ev WindowsEvent) (rows []Row, none string)
}

// models are the row models by the name of the pipeline whose queries run
// on their rows. Add a model here.
var models = map[string]Model{
	"microsoft_xdr":          Defender{},
	"sentinel_windowsevent":  WindowsEventTable{},
	"sentinel_event":         EventTable{},
	"sentinel_securityevent": SecurityEventTable{},
	"sentinel_asim":          ASIM{},
	"azure_monitor":          AzureMonitor{},
}

// ForPipeline returns the row model of a pipeline.
func ForPipeline(pipeline string) (Model, bool) {
	m, ok := models[pipeline]
	return m, ok
}

// Pipelines lists the pipelines that have a row model, sorted.
func Pipelines() []string {
	var out []string
	for p := range models {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
