package kqleval

import (
	"fmt"
	"sort"
	"strings"
)

// Functions on dynamic values that the Log Analytics pipelines write to
// read an event's XML data (Kusto documentation, "<name>() function").
func init() {
	// gettype(): the type of the value: "string", "long", "real",
	// "bool", "datetime", "array", "dictionary" (a property bag), "null".
	functions["gettype"] = function{1, 1, func(a []Value) (Value, error) { return getType(a[0]), nil }}
	// pack_array(): a dynamic array of the arguments.
	functions["pack_array"] = function{1, -1, func(a []Value) (Value, error) { return append([]any(nil), a...), nil }}
	// strcat_array(array, delimiter): the elements as strings, joined.
	functions["strcat_array"] = function{2, 2, strcatArray}
	// bag_keys(): the keys of a property bag, as a dynamic array.
	functions["bag_keys"] = function{1, 1, bagKeys}
}

func getType(v Value) string {
	switch v.(type) {
	case map[string]any:
		return "dictionary"
	case []any:
		return "array"
	case nil:
		return "null"
	}
	return typeName(v)
}

func strcatArray(a []Value) (Value, error) {
	arr, ok := a[0].([]any)
	if !ok {
		if a[0] == nil {
			return "", nil
		}
		return nil, fmt.Errorf("strcat_array() of a %s, expected a dynamic array", typeName(a[0]))
	}
	parts := make([]string, len(arr))
	for i, e := range arr {
		parts[i] = toString(e)
	}
	return strings.Join(parts, toString(a[1])), nil
}

// bagKeys returns the keys of a bag; Kusto gives them in the bag's order,
// which a Go map does not keep: sorted here, and the pipelines read the
// key of a bag that has one.
func bagKeys(a []Value) (Value, error) {
	bag, ok := a[0].(map[string]any)
	if !ok {
		return nil, nil
	}
	keys := make([]string, 0, len(bag))
	for k := range bag {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out, nil
}
