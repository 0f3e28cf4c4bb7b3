package kql

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// quote returns s as a KQL string literal in double quotes.
func quote(s string) string { return quoteWith(s, '"') }

// quoteWith returns s as a KQL string literal in quotes q (see
// writeQuoted).
func quoteWith(s string, q byte) string {
	var b bytes.Buffer
	b.Grow(len(s) + 2)
	writeQuoted(&b, s, q)
	return b.String()
}

// writeQuoted writes s to b as a KQL string literal in quotes q. Backslash
// and q are escaped, as are tab, newline and carriage return; other control
// characters and Unicode line separators are written as \uXXXX, so that no
// value can end the literal or the line.
func writeQuoted(b *bytes.Buffer, s string, q byte) {
	b.WriteByte(q)
	for len(s) > 0 {
		i := 0
		for i < len(s) && !special(s[i], q) {
			i++
		}
		b.WriteString(s[:i])
		if i == len(s) {
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		writeEscaped(b, r, q)
		s = s[i+size:]
	}
	b.WriteByte(q)
}

// special reports whether byte c of a literal in quotes q is escaped, or
// starts a character that may be.
func special(c, q byte) bool {
	return c == '\\' || c == q || c < 0x20 || c == 0x7f || c >= 0x80
}

// writeEscaped writes character r of a literal in quotes q, escaped if it
// must be (an invalid byte of UTF-8 is written as U+FFFD, as ranging over
// the string gives it).
func writeEscaped(b *bytes.Buffer, r rune, q byte) {
	switch r {
	case '\\':
		b.WriteString(`\\`)
	case rune(q):
		b.WriteByte('\\')
		b.WriteByte(q)
	case '\t':
		b.WriteString(`\t`)
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	default:
		if r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 {
			fmt.Fprintf(b, `\u%04x`, r)
			return
		}
		b.WriteRune(r)
	}
}

// reserved holds the names that cannot be written as bare column or table
// names although they are identifiers: the keywords that Kusto.Language
// (12.4.1) does not read as a column name in a where, in~ or project
// clause (found by parsing each of its fixed-text tokens that way), the
// boolean literals in every case it accepts, and a few words printed
// around column names.
var reserved = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`
	FALSE False TRUE True __contextual_datatable __crossCluster __crossDB __executeAndCache __id
	__isFuzzy __noWithSource __packedColumn __projectAway __sourceColumnIndex accumulate and
	anomalychart areachart as asc bagexpansion barchart between bin_legacy boolean by byte
	cachingpolicy callout cancel card char columnchart contains contains_cs containscs cycles
	dataexport datascope datatable date datetime decimal decodeblocks desc double dynamic earliest
	encodingpolicy endswith endswith_cs expandoutput extent_tags_retention external_data
	externaldata false find first flags float force_remote harddelete hardretention has has_all
	has_any has_cs hasprefix hasprefix_cs hassuffix hassuffix_cs hotcache in int int16 int32 int64
	int8 invoke isfuzzy journal ladderchart last latest like likecs linechart long matches
	materialize mdm missing nooptimization not notcontains notcontainscs notlike notlikecs null of
	or others pathformat piechart pivotchart print project queries query_results real relaxed
	restricted_view_access row_level_security rowstore rowstore_references rowstore_sealinfo
	rowstorepolicy rowstores sample scatterchart seal seals search set shards simple softdelete
	softretention sql stackedareachart startswith startswith_cs statistics
	storedqueryresultcontainers string tablepurge time timechart timeline timepivot timespan title
	to toscalar totable treemap true uint uint16 uint32 uint64 uint8 ulong union uniqueid
	unrestrictedviewers verbose viewers views where with_itemindex with_match_id with_step_name
	writeaheadlog
`) {
		reserved[w] = true
	}
}

// quoteName returns a column or table name as a KQL identifier: bare when
// it is a plain identifier, otherwise in brackets: ['Command Line'].
func quoteName(name string) string {
	if isIdent(name) && !reserved[name] {
		return name
	}
	return "[" + quoteWith(name, '\'') + "]"
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
