package rowmodel

import (
	"encoding/xml"
	"sort"
	"strings"
	"time"

	"github.com/sigma2kql/sigma2kql/match"
)

// Log Analytics' raw tables of Windows event logs: the same event, every
// channel, in WindowsEvent (forwarded events: Channel, Provider, EventID,
// Computer columns and the event's data as a dynamic bag) or in Event (the
// Azure Monitor Agent: EventLog is the channel, Source the provider, and
// EventData the event's data as XML text, entity-encoded, inside a
// DataItem element). Microsoft's table references give the columns; the
// XML form is the agent's rendering of the event's EventData (or UserData)
// element. Values are the text Windows logs: numbers as their digits.

// WindowsEventTable is the model of the WindowsEvent table.
type WindowsEventTable struct{}

// EventTable is the model of the Event table.
type EventTable struct{}

// Rows returns the event's row of WindowsEvent: every event of every
// channel is recorded.
func (WindowsEventTable) Rows(ev WindowsEvent) ([]Row, string) {
	fields, _ := eventData(ev)
	bag := make(map[string]any, len(fields))
	for k, v := range fields {
		bag[k] = v
	}
	v := map[string]any{
		"Channel": ev.Channel, "Provider": ev.Provider, "EventID": int64(ev.EventID),
		"Computer": ev.Computer, "EventData": bag,
	}
	if !ev.Time.IsZero() {
		v["TimeGenerated"] = ev.Time
	}
	return []Row{{Table: "WindowsEvent", Values: v}}, ""
}

// Rows returns the event's row of Event.
func (EventTable) Rows(ev WindowsEvent) ([]Row, string) {
	fields, userData := eventData(ev)
	v := map[string]any{
		"EventLog": ev.Channel, "Source": ev.Provider, "EventID": int64(ev.EventID),
		"Computer": ev.Computer, "EventData": dataItemXML(fields, userData, ev.Time),
	}
	if !ev.Time.IsZero() {
		v["TimeGenerated"] = ev.Time
	}
	return []Row{{Table: "Event", Values: v}}, ""
}

// eventData returns the event's own fields as text, and the name of its
// UserData element ("" for EventData). Attributes of the element are no
// fields.
func eventData(ev WindowsEvent) (map[string]string, string) {
	d, ok := ev.Fields.(match.WindowsData)
	if !ok {
		return nil, ""
	}
	raw, userData := d.Data()
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if strings.HasPrefix(k, "#") {
			continue
		}
		out[k] = text(v)
	}
	return out, userData
}

// dataItemXML writes the event's data as the agent stores it in
// Event.EventData: <DataItem ...><EventData xmlns="..."><Data Name="n">v</Data>...
// or, for UserData, the element with one child per field.
func dataItemXML(fields map[string]string, userData string, at time.Time) string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(`<DataItem type="System.XmlData" time="` + at.UTC().Format(time.RFC3339Nano) + `" sourceHealthServiceId="00000000-0000-0000-0000-000000000000">`)
	if userData != "" {
		b.WriteString("<UserData><" + userData + ` xmlns="http://manifests.microsoft.com/win/2004/08/windows/eventlog">`)
		for _, n := range names {
			b.WriteString("<" + n + ">" + escape(fields[n]) + "</" + n + ">")
		}
		b.WriteString("</" + userData + "></UserData></DataItem>")
		return b.String()
	}
	b.WriteString(`<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event">`)
	for _, n := range names {
		b.WriteString(`<Data Name="` + escape(n) + `">` + escape(fields[n]) + "</Data>")
	}
	b.WriteString("</EventData></DataItem>")
	return b.String()
}

// escape encodes a text as XML character data or attribute value.
func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
