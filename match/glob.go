package match

import (
	"unicode"
	"unicode/utf8"

	"github.com/sigma2kql/sigma2kql/ast"
)

// A token is one element of a wildcard pattern: a literal character, or a
// wildcard.
type token struct {
	kind ast.PartKind // Literal, WildcardMulti or WildcardSingle
	r    rune
}

// tokens spells the parts of a string out character by character.
// Placeholders must have been replaced before.
func tokens(parts []ast.Part) []token {
	var out []token
	for _, p := range parts {
		if p.Kind != ast.Literal {
			out = append(out, token{kind: p.Kind})
			continue
		}
		for _, r := range p.Text {
			out = append(out, token{kind: ast.Literal, r: r})
		}
	}
	return out
}

// runes returns the characters of s, or its bytes as characters when
// bytes is set (to compare with a value encoded by a utf16 modifier).
func runes(s string, bytes bool) []rune {
	if !bytes {
		return []rune(s)
	}
	out := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		out[i] = rune(s[i])
	}
	return out
}

// glob reports whether the whole of s matches the pattern: "*" matches any
// run of characters, "?" exactly one. Without cased, letters match
// regardless of case (only ASCII letters when ascii is set, for bytes).
func glob(pat []token, s []rune, cased, ascii bool) bool {
	p, i := 0, 0
	star, mark := -1, 0 // the last "*" seen and where its match ends
	for i < len(s) {
		switch {
		case p < len(pat) && pat[p].kind == ast.WildcardMulti:
			star, mark = p, i
			p++
		case p < len(pat) && (pat[p].kind == ast.WildcardSingle || sameRune(pat[p].r, s[i], cased, ascii)):
			p++
			i++
		case star >= 0:
			// Let the last "*" take one more character.
			mark++
			p, i = star+1, mark
		default:
			return false
		}
	}
	for p < len(pat) && pat[p].kind == ast.WildcardMulti {
		p++
	}
	return p == len(pat)
}

func sameRune(a, b rune, cased, ascii bool) bool {
	if a == b {
		return true
	}
	if cased {
		return false
	}
	if a < utf8.RuneSelf && b < utf8.RuneSelf || ascii {
		return a < utf8.RuneSelf && b < utf8.RuneSelf && lowerASCII(a) == lowerASCII(b)
	}
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}

func lowerASCII(r rune) rune {
	if 'A' <= r && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}
