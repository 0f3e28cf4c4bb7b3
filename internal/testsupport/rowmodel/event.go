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
	"strings"
	"time"
)

// A WindowsEvent is one event: its System fields and its EventData.
type WindowsEvent struct {
	Channel  string         // System.Channel, e.g. Microsoft-Windows-Sysmon/Operational
	Provider string         // System.Provider's Name
	EventID  int            // System.EventID
	Computer string         // System.Computer
	Time     time.Time      // System.TimeCreated's SystemTime; zero when absent
	Data     map[string]any // EventData: strings and numbers as the JSON has them
}

// Field returns an EventData field as text ("" when absent); numbers in
// decimal.
func (ev WindowsEvent) Field(name string) string {
	switch v := ev.Data[name].(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// Has reports whether an EventData field is present.
func (ev WindowsEvent) Has(name string) bool {
	_, ok := ev.Data[name]
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

// ReadEvents reads a stream of JSON objects, one after another, each
// {"Event": {"System": {...}, "EventData": {...}}}.
func ReadEvents(r io.Reader) ([]WindowsEvent, error) {
	d := json.NewDecoder(r)
	d.UseNumber()
	var out []WindowsEvent
	for n := 1; ; n++ {
		var raw struct {
			Event struct {
				System struct {
					Provider struct {
						Attrs struct{ Name string } `json:"#attributes"`
					}
					EventID     json.Number
					Channel     string
					Computer    string
					TimeCreated struct {
						Attrs struct{ SystemTime string } `json:"#attributes"`
					}
				}
				EventData json.RawMessage
			}
		}
		if err := d.Decode(&raw); err == io.EOF {
			return out, nil
		} else if err != nil {
			return out, fmt.Errorf("event %d: %v", n, err)
		}
		s := raw.Event.System
		id, err := strconv.Atoi(s.EventID.String())
		if err != nil {
			return out, fmt.Errorf("event %d: EventID %q is not a number", n, s.EventID)
		}
		ev := WindowsEvent{Channel: s.Channel, Provider: s.Provider.Attrs.Name, EventID: id, Computer: s.Computer, Data: map[string]any{}}
		if t, err := time.Parse(time.RFC3339Nano, s.TimeCreated.Attrs.SystemTime); err == nil {
			ev.Time = t
		}
		if err := decodeData(raw.Event.EventData, ev.Data); err != nil {
			return out, fmt.Errorf("event %d: EventData: %v", n, err)
		}
		out = append(out, ev)
	}
}

// decodeData reads EventData: an object of fields, or null/absent. Other
// shapes (some providers log a list of unnamed Data) keep nothing.
func decodeData(raw json.RawMessage, into map[string]any) error {
	if len(raw) == 0 || strings.TrimSpace(string(raw)) == "null" || !strings.HasPrefix(strings.TrimSpace(string(raw)), "{") {
		return nil
	}
	d := json.NewDecoder(strings.NewReader(string(raw)))
	d.UseNumber()
	return d.Decode(&into)
}
