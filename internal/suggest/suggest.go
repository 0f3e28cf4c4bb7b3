// Package suggest finds the likely intended name for a misspelt one.
package suggest

import "strings"

// Nearest returns the candidate closest to name if it is close enough to be
// a likely misspelling: an edit distance of at most 2 that is less than
// half the length of name. The comparison ignores case; ties go to the
// earlier candidate. It returns "" when nothing is close, or when name
// itself is a candidate.
func Nearest(name string, candidates []string) string {
	best, bestDist := "", 3
	lname := strings.ToLower(name)
	for _, c := range candidates {
		if c == name {
			return ""
		}
		d := Distance(lname, strings.ToLower(c))
		if d < bestDist && d*2 < len(name)+1 {
			best, bestDist = c, d
		}
	}
	return best
}

// Distance is the edit distance between a and b, counted in bytes, where
// inserting, deleting or replacing a byte, or swapping two adjacent bytes,
// costs one.
func Distance(a, b string) int {
	if a == b {
		return 0
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
