// Package parser reads Sigma files (YAML) into the types of package ast.
//
// It is the only package that knows YAML and the condition grammar. It
// resolves scalars by the YAML 1.1 rules the Sigma ecosystem uses, applies
// collection actions (global, reset, repeat), applies value modifiers,
// parses conditions with participle, and checks every reference. Problems
// are collected, not fatal: ParseFile returns every valid document of a
// file together with an ast.ErrorList of positioned errors for the others.
package parser
