package kqleval

import (
	"reflect"
	"testing"
)

func TestDynamicFunctions(t *testing.T) {
	schema := Schema{"T": {"d": "dynamic", "s": "string"}}
	data := map[string][]Row{"T": {{"d": map[string]any{"b": "2", "a": "1"}, "s": "x"}}}
	q := `T
| extend t1 = gettype(d), t2 = gettype(s), t3 = gettype(pack_array(s)), k = bag_keys(d), j = strcat_array(pack_array(s, "y", 3), "-")
| extend t4 = gettype(d.missing)`
	out, err := Eval(q, schema, data)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"t1": "dictionary", "t2": "string", "t3": "array", "k": []any{"a", "b"}, "j": "x-y-3", "t4": "null"}
	for k, v := range want {
		if !reflect.DeepEqual(out[0][k], v) {
			t.Errorf("%s = %#v, want %#v", k, out[0][k], v)
		}
	}
}
