// Package rowmodel models the rows a target records for a Windows event:
// given an event as Windows logs it (the shape of the regression events of
// ../shared/conformance/regression), the rows the same activity leaves in
// the target's tables (Defender XDR advanced hunting, later Log Analytics
// and ASIM), from the targets' documentation. Tests run converted queries
// on these rows (with internal/testsupport/kqleval) to see whether they
// find the event.
//
// A model is one file with one type implementing Model, registered by
// pipeline name in models.go.
package rowmodel

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/sigma2kql/sigma2kql/match"
)

// A WindowsEvent is one event: its System fields, and its fields as the
// match package reads them (EventData, in either JSON form of the evtx
// converters, then System).
type WindowsEvent struct {
	Channel  string    // System.Channel, e.g. Microsoft-Windows-Sysmon/Operational
	Provider string    // System.Provider's Name
	EventID  int       // System.EventID
	Computer string    // System.Computer
	Time     time.Time // System.TimeCreated's SystemTime; zero when absent
	Fields   match.Event
}

// FromMatch reads the System fields of an event read by the match
// package.
func FromMatch(m match.Event) WindowsEvent {
	ev := WindowsEvent{Fields: m}
	ev.Channel, ev.Provider, ev.Computer = ev.Field("Channel"), ev.Field("Provider_Name"), ev.Field("Computer")
	ev.EventID, _ = strconv.Atoi(ev.Field("EventID"))
	if t, err := time.Parse(time.RFC3339Nano, ev.Field("TimeCreated_SystemTime")); err == nil {
		ev.Time = t
	}
	return ev
}

// Field returns a field as text ("" when absent); numbers as written.
func (ev WindowsEvent) Field(name string) string {
	if ev.Fields == nil {
		return ""
	}
	v, _ := ev.Fields.Field(name)
	return text(v)
}

// text is a value as text: numbers as written, an XML element with
// attributes ({"#text": v, ...}) as its text, other structures as JSON.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case map[string]any:
		if t, ok := v["#text"]; ok {
			return text(t)
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Has reports whether the event has a field.
func (ev WindowsEvent) Has(name string) bool {
	if ev.Fields == nil {
		return false
	}
	_, ok := ev.Fields.Field(name)
	return ok
}

// ReadEventFile reads a file of events (see ReadEvents).
func ReadEventFile(path string) ([]WindowsEvent, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	evs, err := ReadEvents(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return evs, nil
}

// ReadEvents reads a stream of JSON objects (match.ReadEvents), each
// {"Event": {"System": {...}, "EventData": {...}}}.
func ReadEvents(r io.Reader) ([]WindowsEvent, error) {
	ms, err := match.ReadEvents(r)
	if err != nil {
		return nil, err
	}
	out := make([]WindowsEvent, len(ms))
	for i, m := range ms {
		out[i] = FromMatch(m)
	}
	return out, nil
}
