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
		if max(len(lname)-len(c), len(c)-len(lname)) > bestDist && isASCII(c) {
			continue // too long or too short: distanceAtMost would say so, after lowering c
		}
		d := distanceAtMost(lname, strings.ToLower(c), bestDist)
		if d < bestDist && d*2 < len(name)+1 {
			best, bestDist = c, d
		}
	}
	return best
}

// isASCII reports whether s is ASCII, which lowering leaves at its length.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
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

// distanceAtMost is Distance(a, b) when that is at most k, and k+1
// otherwise. It fills only the band of cells within k of the diagonal, so it
// takes time proportional to len(a)*k: names in messages come from the
// input, and a quadratic comparison of two long ones would never end.
func distanceAtMost(a, b string, k int) int {
	if a == b {
		return 0
	}
	inf := k + 1
	if len(a)-len(b) > k || len(b)-len(a) > k {
		return inf
	}
	n := len(b)
	prev2 := make([]int, n+1)
	prev := make([]int, n+1)
	cur := make([]int, n+1)
	for j := range prev {
		prev[j] = min(j, inf)
	}
	for j := range prev2 {
		prev2[j] = inf
	}
	for i := 1; i <= len(a); i++ {
		lo, hi := max(1, i-k), min(n, i+k)
		cur[lo-1] = inf
		if lo == 1 {
			cur[0] = min(i, inf)
		}
		best := cur[lo-1]
		for j := lo; j <= hi; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			v = min(v, inf)
			cur[j] = v
			best = min(best, v)
		}
		if hi < n {
			cur[hi+1] = inf
		}
		if best >= inf {
			return inf
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[n]
}
