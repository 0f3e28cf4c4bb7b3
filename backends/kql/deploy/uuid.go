package deploy

import (
	"crypto/sha1"
	"encoding/hex"
	"regexp"
	"strings"
)

// namespace is the UUID namespace of the identifiers that sigma2kql
// derives: the name-based UUID of its repository URL in the URL namespace.
var namespace = uuid5("6ba7b811-9dad-11d1-80b4-00c04fd430c8", "https://github.com/sigma2kql/sigma2kql")

var hexUUIDRx = regexp.MustCompile(`^[0-9a-f]{32}$`)

// canonicalUUID returns s as a lower-case 8-4-4-4-12 UUID, or "" if s is
// not a UUID. Braces, a urn:uuid: prefix and missing hyphens are accepted.
func canonicalUUID(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "urn:uuid:")
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	h := strings.ReplaceAll(s, "-", "")
	if !hexUUIDRx.MatchString(h) {
		return ""
	}
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// uuid5 returns the name-based (SHA-1, version 5) UUID of name in the
// namespace ns (RFC 9562), so that derived identifiers are the same on
// every run.
func uuid5(ns, name string) string {
	nsb, err := hex.DecodeString(strings.ReplaceAll(canonicalUUID(ns), "-", ""))
	if err != nil || len(nsb) != 16 {
		panic("deploy: bad UUID namespace " + ns)
	}
	h := sha1.New()
	h.Write(nsb)
	h.Write([]byte(name))
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return canonicalUUID(hex.EncodeToString(b))
}
