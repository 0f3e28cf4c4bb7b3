package match

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

// An Event is what a rule is evaluated against: a set of named fields.
type Event interface {
	// Field returns the value of the named field and whether the event
	// has it. A value is a string, a number (json.Number, float64 or an
	// integer), a bool, nil, or a []any of those for a multi-valued field.
	Field(name string) (any, bool)
	// Values returns every scalar value of the event, in a fixed order:
	// what keyword searches look in.
	Values() []any
}

// FromJSON returns the event a decoded JSON object stands for. The Windows
// event shape {"Event": {"System": {...}, "EventData": {...}}} is read as
// Sigma names its fields: the EventData (or UserData) fields first, then
// the System ones, where EventID may be an object with "#text" and an
// attribute of a System element is named element_attribute
// (Provider_Name, Execution_ProcessID). Any other object is a flat event
// whose nested objects are reached with dotted names ("a.b"). The event
// keeps obj, which must not change afterwards; it is safe for concurrent
// use.
func FromJSON(obj map[string]any) Event {
	if ev, ok := obj["Event"].(map[string]any); ok && len(obj) == 1 {
		sys, _ := ev["System"].(map[string]any)
		data, hasData := ev["EventData"].(map[string]any)
		if sys != nil || hasData {
			w := &winEvent{all: obj, system: sys, data: namedData(data)}
			if ud, ok := ev["UserData"].(map[string]any); ok && data == nil {
				// UserData holds one element whose children are the fields.
				for _, k := range sortedKeys(ud) {
					if m, ok := ud[k].(map[string]any); ok {
						w.data = m
						break
					}
				}
			}
			return w
		}
	}
	return &flatEvent{obj: obj}
}

// namedData returns the fields of an EventData element. Converters that
// keep the XML form write them as "Data": [{"#attributes": {"Name": n},
// "#text": v}, ...]; those are read as n: v. Other forms are kept.
func namedData(data map[string]any) map[string]any {
	var items []any
	switch d := data["Data"].(type) {
	case []any:
		items = d
	case map[string]any:
		items = []any{d}
	default:
		return data
	}
	out := make(map[string]any, len(data)+len(items))
	for k, v := range data {
		out[k] = v
	}
	for _, it := range items {
		m, _ := it.(map[string]any)
		attrs, _ := m["#attributes"].(map[string]any)
		name, ok := attrs["Name"].(string)
		if !ok {
			return data // unnamed data: the "Data" field stays as it is
		}
		out[name] = m["#text"]
	}
	delete(out, "Data")
	return out
}

// A flatEvent is a JSON object whose keys are field names.
type flatEvent struct {
	obj    map[string]any
	values lazyValues
}

// lazyValues computes the values of an event once, on first use, safely
// for concurrent callers.
type lazyValues struct {
	once sync.Once
	v    []any
}

func (l *lazyValues) get(root any) []any {
	l.once.Do(func() { l.v = leaves(root, []any{}) })
	return l.v
}

func (e *flatEvent) Field(name string) (any, bool) { return lookup(e.obj, name) }

func (e *flatEvent) Values() []any { return e.values.get(e.obj) }

// lookup finds name as a key of obj, or as a path of nested objects
// ("a.b.c"), trying the shorter prefixes first; a key may hold dots.
func lookup(obj map[string]any, name string) (any, bool) {
	if v, ok := obj[name]; ok {
		return unwrap(v), true
	}
	for i := 0; i < len(name); i++ {
		if name[i] != '.' {
			continue
		}
		if m, ok := obj[name[:i]].(map[string]any); ok {
			if v, ok := lookup(m, name[i+1:]); ok {
				return v, true
			}
		}
	}
	return nil, false
}

// A winEvent is a Windows event as evtx converters write it in JSON.
type winEvent struct {
	all    map[string]any
	system map[string]any
	data   map[string]any
	values lazyValues
}

func (e *winEvent) Field(name string) (any, bool) {
	if v, ok := e.data[name]; ok && name != "#attributes" {
		return unwrap(v), true
	}
	if v, ok := e.system[name]; ok {
		return unwrap(v), true
	}
	// element_attribute: an attribute of a System element.
	for i := strings.IndexByte(name, '_'); i > 0; i = nextUnderscore(name, i) {
		el, ok := e.system[name[:i]].(map[string]any)
		if !ok {
			continue
		}
		if attrs, ok := el["#attributes"].(map[string]any); ok {
			if v, ok := attrs[name[i+1:]]; ok {
				return unwrap(v), true
			}
		}
	}
	return nil, false
}

func nextUnderscore(s string, i int) int {
	j := strings.IndexByte(s[i+1:], '_')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

func (e *winEvent) Values() []any { return e.values.get(e.all) }

// unwrap returns the text of an XML element with attributes ({"#text": v,
// "#attributes": {...}}); other values are returned as they are.
func unwrap(v any) any {
	if m, ok := v.(map[string]any); ok {
		if t, ok := m["#text"]; ok {
			return t
		}
	}
	return v
}

// leaves appends the scalar values under v in the order of sorted keys.
func leaves(v any, out []any) []any {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(v) {
			out = leaves(v[k], out)
		}
	case []any:
		for _, x := range v {
			out = leaves(x, out)
		}
	case nil:
	default:
		out = append(out, v)
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ReadEvents reads a stream of JSON objects: one, several written one after
// another, or one per line (JSON lines). Numbers keep their text. An error
// names the event and the byte offset where reading failed.
func ReadEvents(r io.Reader) ([]Event, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var out []Event
	for {
		var obj map[string]any
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return nil, fmt.Errorf("event %d (byte %d): expected a JSON object, found a JSON %s", len(out)+1, te.Offset, te.Value)
			}
			return nil, fmt.Errorf("event %d (near byte %d): %v", len(out)+1, dec.InputOffset(), err)
		}
		if obj == nil {
			return nil, fmt.Errorf("event %d (byte %d): expected a JSON object, found null", len(out)+1, dec.InputOffset())
		}
		out = append(out, FromJSON(obj))
	}
}
