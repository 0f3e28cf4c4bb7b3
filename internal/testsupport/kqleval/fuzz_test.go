package kqleval

import "testing"

// Parse and Run never panic, whatever the text: an error or a result.
func FuzzEval(f *testing.F) {
	for _, s := range []string{
		`T | where S has "north" and not(N in (1, 2))`,
		`let x = dynamic(["a", 1]); union T, U | where S in~ (x) | extend L = strcat(S, @"\x") | project L`,
		`T | mv-apply d = parse_xml(X).EventData.Data on (summarize B = make_bag(bag_pack(tostring(d['@Name']), tostring(d['#text']))))`,
		`T | where * contains "a" or S matches regex "(?i)^n" or ipv4_is_match("1.2.3.4", "1.2.3.0/24")`,
		`T | where real(-inf) < R and D.arr[-1] == "two" and 0x1F == 31`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		_, _ = Eval(q, testSchema, map[string][]Row{"T": {testRow, {"S": "other"}}, "U": {{"S": "u"}}})
		if p, err := Parse(q); err == nil {
			_ = p.Explain(testSchema, map[string][]Row{"T": {testRow}})
		}
	})
}
