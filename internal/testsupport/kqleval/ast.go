package kqleval

// The syntax tree of a query. Scalar expressions and tabular expressions
// share the Expr family: a name may stand for a column, a scalar let or a
// table, and which one is decided when the query runs.

// An Expr is a node of the tree.
type Expr interface {
	offset() int // byte offset of the node in the query text
	expr()
}

type (
	// Ident is a name: a column, a let, a table.
	Ident struct {
		Name string
		Off  int
	}
	// AnyColumn is * on the left of a string operator: the predicate
	// holds when it holds for any column ("where * has x").
	AnyColumn struct {
		Off int
	}
	// Lit is a literal value.
	Lit struct {
		Val Value
		Off int
	}
	// Binary is a binary operator: and, or, a comparison, a string
	// operator (contains, !has, matches regex...), arithmetic.
	Binary struct {
		Op   string
		L, R Expr
		Off  int
	}
	// ListOp is an operator with a parenthesised list on its right:
	// in, !in, in~, !in~, has_any, has_all.
	ListOp struct {
		Op   string
		L    Expr
		List []Expr
		Off  int
	}
	// Call is a function call.
	Call struct {
		Name string
		Args []Expr
		Off  int
	}
	// Member is dynamic member access a.b or a['b'] (Key), or an array
	// element a[0] (Index).
	Member struct {
		X     Expr
		Key   string
		Index Expr // non-nil for a[expr]
		Off   int
	}
	// Pipe is a tabular source followed by tabular operators.
	Pipe struct {
		Src Expr
		Ops []TabOp
		Off int
	}
	// Union is union T1, T2, ...
	Union struct {
		Srcs []Expr
		Off  int
	}
)

func (e *Ident) offset() int     { return e.Off }
func (e *Lit) offset() int       { return e.Off }
func (e *AnyColumn) offset() int { return e.Off }
func (e *Binary) offset() int    { return e.Off }
func (e *ListOp) offset() int    { return e.Off }
func (e *Call) offset() int      { return e.Off }
func (e *Member) offset() int    { return e.Off }
func (e *Pipe) offset() int      { return e.Off }
func (e *Union) offset() int     { return e.Off }

func (*Ident) expr()     {}
func (*Lit) expr()       {}
func (*AnyColumn) expr() {}
func (*Binary) expr()    {}
func (*ListOp) expr()    {}
func (*Call) expr()      {}
func (*Member) expr()    {}
func (*Pipe) expr()      {}
func (*Union) expr()     {}

// A TabOp is a tabular operator after a '|': where, extend, project...
// Each kind is one entry of tabOps (parse.go) and one type with its
// apply method (tabular.go).
type TabOp interface {
	apply(ev *evaluator, t *table) (*table, error)
	exprs() []Expr // the scalar expressions it evaluates on the rows of its input
}

// An assign is one item of extend or project: Name = X, or a column alone.
type assign struct {
	Name string
	X    Expr
}

// A let statement binds Name to an expression, evaluated where it is used.
type let struct {
	Name string
	X    Expr
}
