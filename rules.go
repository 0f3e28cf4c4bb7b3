// Package sigma2kql holds what programs embed from the top of the
// repository: the example rules of rules/, which the playground offers.
// go:embed reaches no parent directory, hence this package at the root.
package sigma2kql

import "embed"

// Rules is the rules/ directory: example rules, filters and the files of
// the README's examples.
//
//go:embed rules
var Rules embed.FS
