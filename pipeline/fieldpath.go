package pipeline

import "strings"

// A FieldPath is a field name that a pipeline maps to a value inside a
// column rather than to a column: a member of a dynamic column
// (EventData.Image), a member of a column a function parses
// (parse_json(AdditionalFields).PipeName), or a conversion of either
// (tostring(parse_json(AdditionalFields).PipeName)). Its syntax is
//
//	path     = head accessor*
//	head     = column | function "(" path ")"
//	accessor = "." name | "['" text "']" | "[\"" text "\"]"
//
// where a name runs to the next dot or bracket. Whether a name that parses
// is such a path depends on the table: see Table.IsPath.
type FieldPath struct {
	Func    string     // the function of the head, or ""
	Arg     *FieldPath // the argument of Func
	Column  string     // the head column, when Func is ""
	Members []string   // the member accesses, in order
}

// ParseFieldPath reads s as a field path. A plain name (no dot, bracket
// or parenthesis) is no path.
func ParseFieldPath(s string) (*FieldPath, bool) {
	if !strings.ContainsAny(s, ".[(") {
		return nil, false
	}
	p, ok := parsePath(s)
	if !ok || p.Func == "" && len(p.Members) == 0 {
		return nil, false
	}
	return p, true
}

func parsePath(s string) (*FieldPath, bool) {
	p := &FieldPath{}
	var rest string
	if i := strings.IndexByte(s, '('); i > 0 && isName(s[:i]) && !strings.ContainsAny(s[:i], ".[") {
		end := closingParen(s, i)
		if end < 0 {
			return nil, false
		}
		arg, ok := parsePath(s[i+1 : end])
		if !ok {
			return nil, false
		}
		p.Func, p.Arg, rest = s[:i], arg, s[end+1:]
	} else {
		i := strings.IndexAny(s, ".[")
		if i < 0 {
			i = len(s)
		}
		if !isName(s[:i]) {
			return nil, false
		}
		p.Column, rest = s[:i], s[i:]
	}
	members, ok := accessors(rest)
	p.Members = members
	return p, ok
}

// Root returns the column the path starts from.
func (p *FieldPath) Root() string {
	for p.Func != "" {
		p = p.Arg
	}
	return p.Column
}

// isName reports whether s is an identifier: letters, digits, _, not
// starting with a digit.
func isName(s string) bool {
	for i, c := range s {
		if c != '_' && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return s != ""
}

// closingParen returns the index of the parenthesis that closes the one at
// open, or -1.
func closingParen(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return -1
}

// accessors splits ".a.b['c d']" into its member names.
func accessors(s string) ([]string, bool) {
	var out []string
	for s != "" {
		switch s[0] {
		case '.':
			s = s[1:]
			end := strings.IndexAny(s, ".[")
			if end < 0 {
				end = len(s)
			}
			if end == 0 {
				return nil, false
			}
			out = append(out, s[:end])
			s = s[end:]
		case '[':
			if len(s) < 4 || s[1] != '\'' && s[1] != '"' {
				return nil, false
			}
			end := strings.IndexByte(s[2:], s[1]) + 2
			if end < 2 || end+1 >= len(s) || s[end+1] != ']' {
				return nil, false
			}
			out = append(out, s[2:end])
			s = s[end+2:]
		default:
			return nil, false
		}
	}
	return out, true
}

// IsPath reports whether field, in a rule whose query table has schema t
// and computes columns cols, is a field path rather than a column name: it
// is no column of t, parses as a path, and starts with a function call or
// a member of a dynamic column (of t or computed).
func (t *Table) IsPath(field string, cols []*Column) (*FieldPath, bool) {
	if t != nil {
		if _, ok := t.Columns[field]; ok {
			return nil, false
		}
	}
	p, ok := ParseFieldPath(field)
	if !ok {
		return nil, false
	}
	if p.Func != "" {
		return p, true
	}
	typ, _ := ColumnType(t, cols, p.Column)
	return p, strings.EqualFold(typ, "dynamic")
}

// ColumnType returns the type of a column of t or of one of the computed
// columns cols (which win), and whether there is such a column.
func ColumnType(t *Table, cols []*Column, name string) (string, bool) {
	for _, c := range cols {
		if typ, ok := c.Types[name]; ok {
			return typ, true
		}
	}
	if t == nil {
		return "", false
	}
	typ, ok := t.Columns[name]
	return typ, ok
}
