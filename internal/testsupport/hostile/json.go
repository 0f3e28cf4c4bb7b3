package hostile

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// JSON reads a JSON text with encoding/json, refusing a key set twice in
// one object (encoding/json alone keeps the last).
func JSON(text string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	v, err := jsonValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("text after the JSON value")
	}
	return v, nil
}

func jsonValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		m := map[string]any{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			key := k.(string)
			if _, dup := m[key]; dup {
				return nil, fmt.Errorf("key %q set twice in one object", key)
			}
			if m[key], err = jsonValue(dec); err != nil {
				return nil, err
			}
		}
		_, err = dec.Token()
		return m, err
	case json.Delim('['):
		var l []any
		for dec.More() {
			v, err := jsonValue(dec)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		_, err = dec.Token()
		return l, err
	}
	return tok, nil
}

// ARMString reads a JSON string of an ARM template as ARM does: one that
// starts with "[" and ends with "]" is an expression, unless it starts
// with "[[", which stands for a literal "[" (template expressions,
// "Escape characters"). It returns the literal text, or expr true.
func ARMString(s string) (text string, expr bool) {
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if strings.HasPrefix(s, "[[") {
			return s[1:], false
		}
		return "", true
	}
	return s, false
}

// ARMExpressions lists the strings of a JSON value that ARM evaluates as
// expressions, in the order found (object keys sorted).
func ARMExpressions(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			if _, expr := ARMString(v); expr {
				out = append(out, v)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				walk(v[k])
			}
		}
	}
	walk(v)
	return out
}
