// Package fuzzseed finds the seed inputs of the fuzz tests: the rules of
// the repository's rules/ directory, and when fuzzing (go test -fuzz) also
// the SigmaHQ corpus of ../shared/conformance, when it is there.
package fuzzseed

import (
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Fuzzing reports whether the test binary was started with -test.fuzz, so
// that ordinary test runs stay fast.
func Fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}

// Rules returns the contents of the rule files under root/rules and of the
// test rules (cmd/sigma2kql/testdata/rules), and under the corpus when
// fuzzing. root is the repository root, relative to the
// test's directory.
func Rules(root string) [][]byte {
	dirs := []string{filepath.Join(root, "rules"), filepath.Join(root, "cmd", "sigma2kql", "testdata", "rules")}
	if Fuzzing() {
		dirs = append(dirs, filepath.Join(root, "..", "shared", "conformance", "corpus"))
	}
	var out [][]byte
	for _, dir := range dirs {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".yaml")) {
				return nil
			}
			if src, err := os.ReadFile(path); err == nil {
				out = append(out, src)
			}
			return nil
		})
	}
	return out
}
