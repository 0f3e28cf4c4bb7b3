// Package ast declares the types used to represent Sigma documents: detection
// rules, their search identifiers and field matches, the typed values that
// modifiers produce, and the condition expressions that combine searches.
//
// Every node records where it came from (a Pos with 1-based line and
// column), so that every later phase can report problems against the rule
// file. The node families are sealed: only this package implements Node,
// Expr, Matcher and Value, which lets the parser, the processing pipelines
// and the backends switch over them exhaustively.
//
// Names follow the Sigma specification: a Rule has a Logsource and a
// Detection; a Detection holds Searches (search identifiers) and
// Conditions; a Search is a tree of Matchers whose leaves are FieldMatch
// items (a field, its modifiers and its values) or keyword items.
package ast
