package splunk

import (
	"fmt"
	"hash/fnv"
	"strings"
	"unicode"

	"github.com/sigma2kql/sigma2kql/ast"
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// The search command has no regular expressions and cannot compare two
// fields. Such tests run in commands after the search, in one of two forms.
//
// A test that the whole search must pass (one under nothing but ANDs,
// possibly negated) becomes a filter of its own:
//
//	Image="*\\cmd.exe"
//	| regex CommandLine!="a.*b"
//	| where 'User'='ParentUser'
//
// A test inside an OR, or under a NOT of several tests, is computed into a
// field first, and a final search command tests that field in its place:
//
//	*
//	| rex field=CommandLine "(?<CommandLineMatch>a.*b)"
//	| eval CommandLineCondition=if(isnotnull(CommandLineMatch), "true", "false")
//	| search CommandLineCondition="true" OR Image="*\\cmd.exe"
//
// The leading terms of the search that do not need such a field stay in
// the first command, so that Splunk reads fewer events.

// A search is the SPL of one condition.
type search struct {
	head string   // expression of the first command; "" matches every event
	pre  []string // rex and eval commands that compute the tests of cond
	cond string   // expression of the final search command, when pre is set
	post []string // regex and where commands
}

// lines returns the commands of s, one a line. A search that needs
// commands after it but has no expression of its own starts with "*".
func (s *search) lines() []string {
	head := s.head
	if head == "" {
		head = "*"
	}
	out := make([]string, 0, 2+len(s.pre)+len(s.post))
	out = append(out, head)
	out = append(out, s.pre...)
	if len(s.pre) > 0 {
		out = append(out, "| search "+s.cond)
	}
	return append(out, s.post...)
}

// compile turns a resolved condition of a rule into a search.
func compile(tree backends.Node, res *pipeline.Result) (*search, error) {
	p := &printer{names: map[string]int{}, res: res}
	rest := p.split(tree)
	s := &search{}
	if !hasConditions(rest) {
		p.node(rest, levelTop)
		s.head = p.b.String()
	} else {
		front, back := hoist(rest)
		p.node(&backends.And{Args: front}, levelTop)
		s.head = p.b.String()
		p.b.Reset()
		p.node(&backends.And{Args: back}, levelTop)
		s.cond = p.b.String()
		s.pre = p.pre
	}
	s.post = p.post
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return s, nil
}

// deferrable reports whether the search command cannot express m: a
// regular expression, a comparison with another field, or a string that
// must match with the case as written (the cased modifier), which becomes
// a regular expression.
func deferrable(m *backends.Match) bool {
	switch v := m.Value.(type) {
	case *ast.Regex, *ast.FieldRef:
		return true
	case *ast.String:
		return v.Cased && !v.HasPlaceholders()
	}
	return false
}

// regexOf returns the regular expression that a deferrable match tests,
// if it tests one.
func regexOf(m *backends.Match) (*ast.Regex, bool) {
	switch v := m.Value.(type) {
	case *ast.Regex:
		return v, true
	case *ast.String:
		if v.Cased {
			return casedRegex(v, m.Field == ""), true
		}
	}
	return nil, false
}

// casedRegex returns the case-sensitive regular expression of a string:
// "*" as ".*" and "?" as ".", so that "?" matches exactly one character
// (the search command has no such wildcard), anchored at the ends that are
// not a "*". A keyword matches anywhere in the event. The expression is
// read by PCRE, where "." does not match a line break unless (?s) is set,
// and "$" also matches before a line break that ends the value: the
// wildcards are under (?s) and the end is "\z", so that the expression
// matches exactly the strings of the value. Control characters are written
// as \xhh, so that the search holds none. KQL's wildcardRegex (package
// kql) anchors alike in RE2 and says why the two are kept apart.
func casedRegex(s *ast.String, keyword bool) *ast.Regex {
	parts := s.Parts
	start, end := !keyword, !keyword
	if len(parts) > 0 && parts[0].Kind == ast.WildcardMulti {
		parts, start = parts[1:], false
	}
	if len(parts) > 0 && parts[len(parts)-1].Kind == ast.WildcardMulti {
		parts, end = parts[:len(parts)-1], false
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Kind != ast.Literal {
			b.WriteString("(?s)")
			break
		}
	}
	if start {
		b.WriteByte('^')
	}
	b.WriteString(backends.WildcardRegex(parts, true))
	if end {
		b.WriteString(`\z`)
	}
	return &ast.Regex{ValuePos: s.ValuePos, Pattern: b.String()}
}

// filtered reports whether a deferrable test that the whole search must
// pass becomes a filter command: all but the regular expressions that the
// condition reaches through an "or" or a "1 of" (Match.InOr). The
// reference computes a regular expression with rex and eval whenever an OR
// is above it, and takes "1 of" for an OR even when it matches a single
// search, as in "sel and not 1 of filter_*", where the resolved tree has no
// Or node left; printing these tests in the rex/eval form too is as
// correct as a | regex filter, and keeps the output identical.
func filtered(m *backends.Match) bool {
	if !deferrable(m) {
		return false
	}
	if _, ref := m.Value.(*ast.FieldRef); ref {
		return true
	}
	return !m.InOr
}

// split removes from n the deferrable tests that the whole search must pass
// and adds them to p.post, in order.
func (p *printer) split(n backends.Node) backends.Node {
	switch n := n.(type) {
	case *backends.And:
		var args []backends.Node
		for i, a := range n.Args {
			if b := p.split(a); b != a && args == nil {
				args = append(append(make([]backends.Node, 0, len(n.Args)), n.Args[:i]...), b)
			} else if args != nil {
				args = append(args, b)
			}
		}
		if args == nil {
			return n
		}
		return &backends.And{Args: args, Origin: n.Origin}
	case *backends.Not:
		negate, x := true, n.Arg
		for {
			inner, ok := x.(*backends.Not)
			if !ok {
				break
			}
			negate, x = !negate, inner.Arg
		}
		if m, ok := x.(*backends.Match); ok && filtered(m) {
			p.filter(m, negate)
			return &backends.Empty{Pos: n.Pos}
		}
	case *backends.Match:
		if filtered(n) {
			p.filter(n, false)
			return &backends.Empty{}
		}
	}
	return n
}

// filter adds the command for a deferrable test of the whole search.
func (p *printer) filter(m *backends.Match, negate bool) {
	if r, ok := m.Value.(*ast.FieldRef); ok {
		not := ""
		if negate {
			not = "NOT "
		}
		p.post = append(p.post, "| where "+not+fieldRefExpr(m.Field, r))
		return
	}
	if re, ok := regexOf(m); ok {
		switch {
		case m.Field == "" || isArgWord(m.Field):
			op := "="
			if negate {
				op = "!="
			}
			p.post = append(p.post, "| regex "+regexField(m.Field)+op+regexValue(re))
		case negate:
			// | regex f!=... keeps the events without the field.
			f := evalField(m.Field)
			p.post = append(p.post, "| where isnull("+f+") OR NOT match("+f+", "+regexValue(re)+")")
		default:
			p.post = append(p.post, "| where "+evalMatch(m.Field, re))
		}
	}
}

// isArgWord reports whether a field name can be written bare as the
// argument of a command such as regex or rex: one word, with none of the
// characters that end a word or start a quoted string, a comparison or a
// subsearch. Other names are tested with eval's match().
func isArgWord(name string) bool {
	return name != "" && !strings.ContainsFunc(name, func(r rune) bool {
		return r <= ' ' || r == 0x7f || strings.ContainsRune(`"'=!<>|()[],\`+"`", r) || unicode.IsSpace(r)
	})
}

// evalMatch is the eval expression that field matches re: match() of the
// field named in single quotes, false when the field is absent (as with
// rex, which then sets no group).
func evalMatch(field string, re *ast.Regex) string {
	f := evalField(field)
	return "isnotnull(" + f + ") AND match(" + f + ", " + regexValue(re) + ")"
}

// condition writes the test of a deferrable match inside an OR or a NOT,
// and adds the commands that compute it.
func (p *printer) condition(m *backends.Match) {
	base, n := p.name(m.Field)
	cond := base + "Condition" + n
	if r, ok := m.Value.(*ast.FieldRef); ok {
		p.pre = append(p.pre, "| eval "+cond+"=if("+fieldRefExpr(m.Field, r)+", \"true\", \"false\")")
	} else if re, ok := regexOf(m); ok && m.Field != "" && !isArgWord(m.Field) {
		p.pre = append(p.pre, "| eval "+cond+"=if("+evalMatch(m.Field, re)+", \"true\", \"false\")")
	} else if ok {
		group := base + "Match" + n
		p.pre = append(p.pre,
			"| rex field="+regexField(m.Field)+" "+quoteText("(?<"+group+">"+backends.RegexText(re)+")"),
			"| eval "+cond+"=if(isnotnull("+group+"), \"true\", \"false\")")
	}
	p.b.WriteString(cond + `="true"`)
}

// regexField is the field a regular expression is matched against: the
// raw event for a keyword.
func regexField(field string) string {
	if field == "" {
		return "_raw"
	}
	return field
}

// fieldRefExpr compares a field with another one in eval syntax. Like the
// reference, the comparison is case-sensitive. For contains, startswith and
// endswith the value of the other field is a like() pattern, in which "%"
// and "_" are wildcards.
func fieldRefExpr(field string, r *ast.FieldRef) string {
	a, b := evalField(field), evalField(r.Field)
	switch r.Match {
	case ast.MatchContains:
		return `like(` + a + `, "%".` + b + `."%")`
	case ast.MatchStartsWith:
		return `like(` + a + `, ` + b + `."%")`
	case ast.MatchEndsWith:
		return `like(` + a + `, "%".` + b + `)`
	}
	return a + "=" + b
}

// maxGroupName is the longest name of a capture group that PCRE accepts.
const maxGroupName = 32

// name returns the base of the names of the fields that the commands of a
// deferred test compute, and its number: "" the first time a base is
// used, then "2", "3", ... The base is the field name without the data
// model's "Object." prefix, made of letters, digits and "_" only, and
// shortened with a hash so that the capture group name stays within
// PCRE's limit.
func (p *printer) name(field string) (base, n string) {
	base = baseName(field)
	p.names[base]++
	if c := p.names[base]; c > 1 {
		n = fmt.Sprint(c)
	}
	if max := maxGroupName - len("Match") - len(n); len(base) > max {
		h := fnv.New32a()
		h.Write([]byte(base))
		base = fmt.Sprintf("%s_%08x", base[:max-9], h.Sum32())
	}
	return base, n
}

func baseName(field string) string {
	if field == "" {
		return "raw"
	}
	if i := strings.LastIndexByte(field, '.'); i >= 0 && i+1 < len(field) {
		field = field[i+1:]
	}
	var b strings.Builder
	for i := 0; i < len(field); i++ {
		c := field[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case c >= '0' && c <= '9':
			if i == 0 {
				b.WriteByte('_')
			}
		default:
			c = '_'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// hasConditions reports whether n still holds a deferrable test.
func hasConditions(n backends.Node) bool {
	switch n := n.(type) {
	case *backends.And:
		for _, a := range n.Args {
			if hasConditions(a) {
				return true
			}
		}
	case *backends.Or:
		for _, a := range n.Args {
			if hasConditions(a) {
				return true
			}
		}
	case *backends.Not:
		return hasConditions(n.Arg)
	case *backends.Match:
		return deferrable(n)
	}
	return false
}

// hoist splits a search whose tests need computed fields: the leading
// single terms that the whole search must pass (the first arguments of
// its top-level AND, while they are plain field tests or keywords) run
// before the rex and eval commands; the rest goes to the final search.
func hoist(n backends.Node) (front, back []backends.Node) {
	args := conjuncts(n, nil)
	i := 0
	for i < len(args) && plainTerm(args[i]) {
		i++
	}
	return args[:i], args[i:]
}

// conjuncts lists the arguments of n's top-level AND, nested ANDs
// flattened (they print without parentheses) and empty searches left out.
func conjuncts(n backends.Node, out []backends.Node) []backends.Node {
	switch a := n.(type) {
	case *backends.And:
		for _, x := range a.Args {
			out = conjuncts(x, out)
		}
		return out
	case *backends.Empty:
		return out
	}
	if backends.IsEmpty(n) {
		return out
	}
	return append(out, n)
}

// plainTerm reports whether n prints as one search term such as
// field="value".
func plainTerm(n backends.Node) bool {
	m, ok := n.(*backends.Match)
	if !ok || deferrable(m) {
		return false
	}
	switch v := m.Value.(type) {
	case *ast.String:
		return !v.HasPlaceholders()
	case *ast.Number, *ast.Bool:
		return true
	case *ast.CIDR:
		return m.Field != ""
	case *ast.Exists:
		return v.Exists
	}
	return false
}
