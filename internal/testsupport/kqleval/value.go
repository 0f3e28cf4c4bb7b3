package kqleval

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// A Value is a scalar of a row or of an expression: nil (null), string,
// int64 (int and long), float64 (real), bool, time.Time (datetime), or a
// dynamic value: map[string]any (property bag), []any (array), or one of
// the scalars.
type Value = any

// typeName names the KQL type of a value, for messages.
func typeName(v Value) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case int64:
		return "long"
	case float64:
		return "real"
	case bool:
		return "bool"
	case time.Time:
		return "datetime"
	case map[string]any:
		return "dynamic (property bag)"
	case []any:
		return "dynamic (array)"
	}
	return fmt.Sprintf("unsupported Go type %T", v)
}

func isNumber(v Value) bool {
	switch v.(type) {
	case int64, float64:
		return true
	}
	return false
}

func toReal(v Value) Value {
	switch n := v.(type) {
	case int64:
		return float64(n)
	case float64:
		return n
	}
	return nil
}

// toString is KQL's tostring(): null gives "", a property bag or array
// its JSON text.
func toString(v Value) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return formatReal(x)
	case bool:
		if x {
			return "true"
		}
		return "false"
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.0000000Z")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func formatReal(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// fromJSON converts a value decoded by encoding/json with UseNumber into
// the evaluator's dynamic values: integral numbers become int64, others
// float64.
func fromJSON(v any) Value {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = fromJSON(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = fromJSON(e)
		}
		return x
	}
	return v
}

// compare orders two values of comparable types: -1, 0 or 1. ok is false
// when KQL cannot compare them (string with number, bag with anything).
func compare(l, r Value) (c int, ok bool) {
	if isNumber(l) && isNumber(r) {
		a, aok := l.(int64)
		b, bok := r.(int64)
		if aok && bok {
			return cmp3(a < b, a > b), true
		}
		x, y := toReal(l).(float64), toReal(r).(float64)
		return cmp3(x < y, x > y), true
	}
	switch a := l.(type) {
	case string:
		if b, isStr := r.(string); isStr {
			return cmp3(a < b, a > b), true
		}
	case bool:
		if b, isBool := r.(bool); isBool {
			return cmp3(!a && b, a && !b), true
		}
	case time.Time:
		if b, isTime := r.(time.Time); isTime {
			return a.Compare(b), true
		}
	}
	return 0, false
}

func cmp3(less, greater bool) int {
	switch {
	case less:
		return -1
	case greater:
		return 1
	}
	return 0
}
