package kql

import (
	"strings"
	"sync"

	"github.com/sigma2kql/sigma2kql/pipeline"
)

// Field expressions: a pipeline may map a Sigma field to a value inside a
// column rather than to a column (pipeline.FieldPath): a member of a
// dynamic column (EventData.Image, DeviceDetail.isCompliant), a member of a
// column parsed on the fly (parse_json(AdditionalFields).PipeName), a
// conversion (tostring(...)), or a member of a column the query computes
// (columns.go). The printer writes such a path as KQL, each member name an
// identifier or, when it is none (member names come from rule files, which
// are untrusted), a quoted string: EventData['Image Path']. A dynamic value
// is compared as text with tostring() and as a number with tolong().

// A fieldExpr is a field name read as an expression.
type fieldExpr struct {
	kind   columnKind // what the expression yields
	text   string     // the expression as KQL
	asText string     // its text form, for string operators
	root   string     // the computed column it reads, or ""
}

// conversions maps the functions a field path may apply to the kind of
// value they yield.
var conversions = map[string]columnKind{
	"tostring": text, "tolower": text, "toupper": text, "trim": text,
	"tolong": numeric, "toint": numeric, "todouble": numeric, "toreal": numeric,
	"tobool":     boolean,
	"parse_json": dynamicKind, "todynamic": dynamicKind, "parse_xml": dynamicKind,
}

// expr returns the expression that field stands for, or nil when it is a
// column name. Expressions are cached for every printer of the process (a
// corpus names the same fields again and again), by table schema, computed
// columns and name.
func (p *printer) expr(field string) *fieldExpr {
	if !strings.ContainsAny(field, ".([") {
		return nil
	}
	key, cacheable := p.exprKey(field)
	if cacheable {
		if e, ok := exprCache.Load(key); ok {
			e := e.(*fieldExpr)
			if e.root != "" {
				p.computed(e.root)
			}
			if e.text == "" {
				return nil
			}
			return e
		}
	}
	e := &fieldExpr{}
	if path, ok := p.res.Schema.IsPath(field, p.res.Columns); ok {
		if r := p.render(path); r != nil {
			e = r
			e.asText = e.text
			if e.kind != text {
				e.asText = "tostring(" + e.text + ")"
			}
			if t, ok := pipeline.ColumnType(nil, p.res.Columns, path.Root()); ok && t != "" {
				e.root = path.Root()
			}
		}
	}
	if cacheable {
		exprCache.Store(key, e)
	}
	if e.text == "" {
		return nil
	}
	return e
}

// exprCache holds the field expressions read so far: exprKey -> *fieldExpr
// (one with no text for a name that is no expression).
var exprCache sync.Map

type exprKey struct {
	schema *pipeline.Table
	cols   [2]*pipeline.Column
	field  string
}

// exprKey returns the cache key of a field in this printer's result: the
// computed columns are shared by every rule of a pipeline (see
// pipeline.Column); a result with more than two is not cached.
func (p *printer) exprKey(field string) (exprKey, bool) {
	k := exprKey{schema: p.res.Schema, field: field}
	if len(p.res.Columns) > len(k.cols) {
		return k, false
	}
	copy(k.cols[:], p.res.Columns)
	return k, true
}

// render writes a field path as KQL, or returns nil for a function it does
// not know.
func (p *printer) render(path *pipeline.FieldPath) *fieldExpr {
	e := &fieldExpr{}
	if path.Func != "" {
		kind, ok := conversions[path.Func]
		arg := p.render(path.Arg)
		if !ok || arg == nil {
			return nil
		}
		e.kind, e.text = kind, path.Func+"("+arg.text+")"
	} else {
		p.computed(path.Column)
		e.kind, e.text = p.kind(path.Column), quoteName(path.Column)
	}
	if len(path.Members) == 0 {
		return e
	}
	var b strings.Builder
	b.WriteString(e.text)
	for _, m := range path.Members {
		if isIdent(m) && !reserved[m] {
			b.WriteString("." + m)
		} else {
			b.WriteString("[" + quoteWith(m, '\'') + "]")
		}
	}
	return &fieldExpr{kind: dynamicKind, text: b.String()}
}

// ref returns the KQL text of a field: its expression, or the column name.
func (p *printer) ref(field string) string { return p.column(field).ref }
