package parser

import (
	"bytes"
	"errors"
	"io"

	"gopkg.in/yaml.v3"
)

// sigmaKeys are the top-level keys that make a YAML document a Sigma
// document: a rule, a correlation or a filter. (A collection's global
// document may hold a detection too.) A logsource also makes one: a rule
// whose detection key is misspelt must be reported, not skipped.
var sigmaKeys = map[string]bool{"detection": true, "correlation": true, "filter": true, "logsource": true}

// HasSigmaDocument reports whether src may hold a Sigma document: some
// document of the YAML stream has a top-level detection, correlation,
// filter or logsource key, or the text cannot be read as YAML at all (then only the
// parser can say what is wrong). A pipeline file, a file of placeholder
// values or a CI workflow has none.
func HasSigmaDocument(src []byte) bool {
	if len(src) > MaxFileSize {
		return true // too large to read: the parser says so
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return false
		}
		if err != nil {
			return true
		}
		if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue
		}
		m := doc.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			if sigmaKeys[m.Content[i].Value] {
				return true
			}
		}
	}
}
