package backends

import (
	"regexp"
	"testing"

	"github.com/sigma2kql/sigma2kql/ast"
)

// TestWildcardRegex: literal text, metacharacters and control characters
// included, matches itself and only itself; "*" and "?" are wildcards.
func TestWildcardRegex(t *testing.T) {
	lit := "a.b+c*d?e(f)g|h[i]j{k}l^m$n\\o\tp\x7fq"
	parts := []ast.Part{{Kind: ast.Literal, Text: lit}, {Kind: ast.WildcardMulti}, {Kind: ast.Literal, Text: "z"}, {Kind: ast.WildcardSingle}}
	for _, hex := range []bool{false, true} {
		src := WildcardRegex(parts, hex)
		re := regexp.MustCompile(`^(?s:` + src + `)\z`)
		for s, want := range map[string]bool{lit + "z!": true, lit + "anything\nz!": true, lit + "z": false, "a.b+c*d?e(f)g|h[i]j{k}l^m$n\\o\tp\x7fz!": false} {
			if got := re.MatchString(s); got != want {
				t.Errorf("hex %v: %s matches %q: %v, want %v", hex, src, s, got, want)
			}
		}
		if want := `\x09`; hex != regexp.MustCompile(`\\x09`).MatchString(src) {
			t.Errorf("hex %v: %s, want a tab written as %s only with hexControls", hex, src, want)
		}
	}
}
