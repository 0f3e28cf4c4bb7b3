package kqleval

import (
	"fmt"
	"maps"
	"slices"
)

// An evaluator runs one query on given rows.
type evaluator struct {
	q       *Query
	schema  Schema
	data    map[string][]Row
	visible int                              // number of the query's lets in scope
	onWhere func(o *whereOp, in, out *table) // for Explain
}

func (ev *evaluator) errAt(e Expr, format string, args ...any) error {
	return posErr(ev.q.Text, e.offset(), format, args...)
}

// letNamed finds the visible let of a name; its index is the number of
// lets visible inside it.
func (ev *evaluator) letNamed(name string) (int, bool) {
	for i := ev.visible - 1; i >= 0; i-- {
		if ev.q.lets[i].Name == name {
			return i, true
		}
	}
	return 0, false
}

// inLet evaluates f with the scope of let i.
func (ev *evaluator) inLet(i int, f func() (Value, error)) (Value, error) {
	saved := ev.visible
	ev.visible = i
	defer func() { ev.visible = saved }()
	return f()
}

// check reports names that are neither columns of t nor visible lets,
// before any row is read, so that an unknown column is an error even on
// an empty table.
func (ev *evaluator) check(e Expr, t *table) error {
	switch e := e.(type) {
	case *Ident:
		if _, ok := t.types[e.Name]; ok {
			return nil
		}
		if _, ok := ev.letNamed(e.Name); ok {
			return nil
		}
		return ev.errAt(e, "%q is not a column of the input (columns: %s) nor a let", e.Name, t.columnList())
	case *Binary:
		if err := ev.check(e.L, t); err != nil {
			return err
		}
		return ev.check(e.R, t)
	case *ListOp:
		return ev.checkAll(append([]Expr{e.L}, e.List...), t)
	case *Call:
		return ev.checkAll(e.Args, t)
	case *Member:
		if id, ok := e.X.(*Ident); ok && t.types[id.Name] == "string" {
			return ev.errAt(e, "member access on string column %s: KQL needs parse_json(%s) first", id.Name, id.Name)
		}
		if e.Index != nil {
			if err := ev.check(e.Index, t); err != nil {
				return err
			}
		}
		return ev.check(e.X, t)
	case *Pipe, *Union:
		return ev.errAt(e, "a tabular expression used as a value: not supported by the evaluator")
	}
	return nil
}

func (ev *evaluator) checkAll(es []Expr, t *table) error {
	for _, e := range es {
		if err := ev.check(e, t); err != nil {
			return err
		}
	}
	return nil
}

// eval evaluates a scalar expression on a row.
func (ev *evaluator) eval(e Expr, row Row) (Value, error) {
	switch e := e.(type) {
	case *Lit:
		return e.Val, nil
	case *AnyColumn:
		return nil, ev.errAt(e, "* (any column) is only supported on the left of a string operator")
	case *Ident:
		if v, ok := row[e.Name]; ok {
			return v, nil
		}
		if i, ok := ev.letNamed(e.Name); ok {
			return ev.inLet(i, func() (Value, error) { return ev.eval(ev.q.lets[i].X, nil) })
		}
		return nil, ev.errAt(e, "%q is not a column nor a let", e.Name)
	case *Binary:
		return ev.binary(e, row)
	case *ListOp:
		return ev.listOp(e, row)
	case *Call:
		return ev.call(e, row)
	case *Member:
		return ev.member(e, row)
	}
	return nil, ev.errAt(e, "a tabular expression used as a value: not supported by the evaluator")
}

func (ev *evaluator) binary(e *Binary, row Row) (Value, error) {
	if e.Op == "and" || e.Op == "or" {
		return ev.logical(e, row)
	}
	if _, ok := e.L.(*AnyColumn); ok {
		if fn, _ := stringOp(e.Op); fn == nil && e.Op != "matches regex" {
			return nil, ev.errAt(e, "* %s: only string operators take * (any column)", e.Op)
		}
		return ev.anyColumn(row, func(v Value) (Value, error) {
			return ev.binary(&Binary{Op: e.Op, L: &Lit{Val: v, Off: e.L.offset()}, R: e.R, Off: e.Off}, row)
		})
	}
	l, err := ev.eval(e.L, row)
	if err != nil {
		return nil, err
	}
	r, err := ev.eval(e.R, row)
	if err != nil {
		return nil, err
	}
	if test := comparisons[e.Op]; test != nil {
		if l == nil || r == nil {
			return nullComparison(e.Op, l, r), nil
		}
		c, ok := compare(l, r)
		if !ok {
			return nil, ev.errAt(e, "%s %s %s: KQL does not compare these types", typeName(l), e.Op, typeName(r))
		}
		return test(c), nil
	}
	if fn, negated := stringOp(e.Op); fn != nil {
		return fn(toString(l), toString(r)) != negated, nil
	}
	switch e.Op {
	case "matches regex":
		return ev.matches(e, l, r)
	case "+", "-", "*", "/", "%":
		return ev.arith(e, l, r)
	}
	return nil, ev.errAt(e, "operator %s: not supported by the evaluator", e.Op)
}

// nullComparison compares with null, as the Kusto documentation ("Null
// values") says: null == x is false and null != x true for a non-null x,
// both null for two nulls; an ordering with null is null.
func nullComparison(op string, l, r Value) Value {
	switch {
	case l == nil && r == nil:
		return nil
	case op == "==":
		return false
	case op == "!=":
		return true
	}
	return nil
}

// logical is and/or with KQL's null: false and null is false, true or
// null is true, otherwise null.
func (ev *evaluator) logical(e *Binary, row Row) (Value, error) {
	l, err := ev.boolean(e.L, row)
	if err != nil {
		return nil, err
	}
	decisive := e.Op == "or"
	if l != nil && l.(bool) == decisive {
		return decisive, nil
	}
	r, err := ev.boolean(e.R, row)
	if err != nil {
		return nil, err
	}
	if r != nil && r.(bool) == decisive {
		return decisive, nil
	}
	if l == nil || r == nil {
		return nil, nil
	}
	return !decisive, nil
}

// boolean evaluates an operand of and, or, where: a bool or null.
func (ev *evaluator) boolean(e Expr, row Row) (Value, error) {
	v, err := ev.eval(e, row)
	if err != nil {
		return nil, err
	}
	switch v.(type) {
	case nil, bool:
		return v, nil
	}
	return nil, ev.errAt(e, "a %s where a bool is expected", typeName(v))
}

func (ev *evaluator) matches(e *Binary, l, r Value) (Value, error) {
	pat, ok := r.(string)
	if !ok {
		return nil, ev.errAt(e, "matches regex needs a string pattern, found a %s", typeName(r))
	}
	re, err := cachedRegexp(pat)
	if err != nil {
		return nil, ev.errAt(e, "matches regex: invalid RE2 pattern: %v", err)
	}
	if l == nil {
		return nil, nil
	}
	return re.MatchString(toString(l)), nil
}

func (ev *evaluator) arith(e *Binary, l, r Value) (Value, error) {
	if l == nil || r == nil {
		return nil, nil
	}
	if !isNumber(l) || !isNumber(r) {
		return nil, ev.errAt(e, "%s %s %s: arithmetic on non-numbers is not supported by the evaluator", typeName(l), e.Op, typeName(r))
	}
	if a, aok := l.(int64); aok {
		if b, bok := r.(int64); bok {
			switch e.Op {
			case "+":
				return a + b, nil
			case "-":
				return a - b, nil
			case "*":
				return a * b, nil
			}
			if b == 0 {
				return nil, nil
			}
			if e.Op == "/" {
				return a / b, nil
			}
			return a % b, nil
		}
	}
	a, b := toReal(l).(float64), toReal(r).(float64)
	switch e.Op {
	case "+":
		return a + b, nil
	case "-":
		return a - b, nil
	case "*":
		return a * b, nil
	case "/":
		return a / b, nil
	}
	return nil, ev.errAt(e, "%% on reals: not supported by the evaluator")
}

// anyColumn is true when test is true for the value of any column of the
// row (in column order, so that errors are deterministic).
func (ev *evaluator) anyColumn(row Row, test func(v Value) (Value, error)) (Value, error) {
	for _, c := range slices.Sorted(maps.Keys(row)) {
		v, err := test(row[c])
		if err != nil || v == true {
			return v, err
		}
	}
	return false, nil
}

func (ev *evaluator) listOp(e *ListOp, row Row) (Value, error) {
	if _, ok := e.L.(*AnyColumn); ok {
		return ev.anyColumn(row, func(v Value) (Value, error) {
			return ev.listOp(&ListOp{Op: e.Op, L: &Lit{Val: v, Off: e.L.offset()}, List: e.List, Off: e.Off}, row)
		})
	}
	l, err := ev.eval(e.L, row)
	if err != nil {
		return nil, err
	}
	var list []Value
	for _, x := range e.List {
		v, err := ev.eval(x, row)
		if err != nil {
			return nil, err
		}
		if arr, ok := v.([]any); ok {
			list = append(list, arr...)
		} else {
			list = append(list, v)
		}
	}
	v, err := listOps[e.Op](l, list)
	if err != nil {
		return nil, ev.errAt(e, "%s: %v", e.Op, err)
	}
	return v, nil
}

func (ev *evaluator) call(e *Call, row Row) (Value, error) {
	f := functions[e.Name]
	if len(e.Args) < f.min || (f.max >= 0 && len(e.Args) > f.max) {
		return nil, ev.errAt(e, "%s() takes %s arguments, found %d", e.Name, arity(f), len(e.Args))
	}
	args := make([]Value, len(e.Args))
	for i, a := range e.Args {
		v, err := ev.eval(a, row)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	v, err := f.fn(args)
	if err == nil && readsText[e.Name] {
		err = undocumented(e.Name, f, args, v)
	}
	if err != nil {
		return nil, ev.errAt(e, "%s(): %v", e.Name, err)
	}
	return v, nil
}

func arity(f function) string {
	switch {
	case f.max < 0:
		return fmt.Sprintf("at least %d", f.min)
	case f.min == f.max:
		return fmt.Sprint(f.min)
	}
	return fmt.Sprintf("%d to %d", f.min, f.max)
}

// member is dynamic member access: a missing member is null.
func (ev *evaluator) member(e *Member, row Row) (Value, error) {
	x, err := ev.eval(e.X, row)
	if err != nil {
		return nil, err
	}
	if e.Index != nil {
		i, err := ev.eval(e.Index, row)
		if err != nil {
			return nil, err
		}
		arr, isArr := x.([]any)
		n, isInt := i.(int64)
		if k, isKey := i.(string); isKey {
			return ev.member(&Member{X: &Lit{Val: x, Off: e.Off}, Key: k, Off: e.Off}, row)
		}
		if !isInt || (x != nil && !isArr) {
			return nil, ev.errAt(e, "index [%s] of a %s: not supported", typeName(i), typeName(x))
		}
		if n < 0 {
			n += int64(len(arr))
		}
		if n < 0 || n >= int64(len(arr)) {
			return nil, nil
		}
		return arr[n], nil
	}
	switch m := x.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return m[e.Key], nil
	}
	// A dynamic scalar has no members. (Member access on a string
	// column is rejected by check.)
	return nil, nil
}
