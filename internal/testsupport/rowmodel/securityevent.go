package rowmodel

import (
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/sigma2kql/sigma2kql/pipeline"
)

// SecurityEventTable is the model of the SecurityEvent table, which the
// Sentinel connector for Windows security events fills from the Security
// log: the event's fields that SecurityEvent has as typed columns are
// there (numbers in the int columns), and the event's data is also kept as
// XML in EventData (<EventData xmlns="..."><Data Name="n">v</Data>...),
// entity-encoded. Events of other channels have no row.
type SecurityEventTable struct{}

// securityColumns are SecurityEvent's columns and types, from the schema
// of the sentinel_securityevent pipeline (Microsoft's table reference).
var securityColumns = sync.OnceValue(func() map[string]string {
	return pipeline.Builtin("sentinel_securityevent").Schema["SecurityEvent"].Columns
})

// Rows returns the event's row of SecurityEvent.
func (SecurityEventTable) Rows(ev WindowsEvent) ([]Row, string) {
	if ev.Channel != "Security" {
		return nil, "SecurityEvent records the Security log only"
	}
	fields, _ := eventData(ev)
	return []Row{securityEventRow(ev, ev.EventID, ev.Provider, fields)}, ""
}

// securityEventRow is the SecurityEvent row of a Security event with
// these fields, on the computer and at the time of ev.
func securityEventRow(ev WindowsEvent, id int, provider string, fields map[string]string) Row {
	cols := securityColumns()
	v := map[string]any{"Channel": security, "EventID": int64(id), "Computer": ev.Computer,
		"EventSourceName": provider, "EventData": securityEventXML(fields)}
	for name, value := range fields {
		switch typ, ok := cols[name]; {
		case !ok || name == "EventData":
		case typ == "int" || typ == "long":
			if n, err := strconv.ParseInt(value, 0, 64); err == nil {
				v[name] = n
			}
		case typ == "string":
			v[name] = value
		}
	}
	if !ev.Time.IsZero() {
		v["TimeGenerated"] = ev.Time
	}
	return Row{Table: "SecurityEvent", Values: v}
}

// securityEventXML writes the event's data as SecurityEvent keeps it.
func securityEventXML(fields map[string]string) string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(`<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event">`)
	for _, n := range names {
		b.WriteString(`<Data Name="` + escape(n) + `">` + escape(fields[n]) + "</Data>")
	}
	b.WriteString("</EventData>")
	return b.String()
}
