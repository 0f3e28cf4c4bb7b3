// Package wasmbuild builds the playground's WebAssembly converter the one
// way its committed copy is built, so that a rebuild can be compared with
// it byte for byte: Go builds are reproducible for a given toolchain,
// source and set of flags.
package wasmbuild

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Package is the converter's main package, relative to the module root.
const Package = "./playground/wasm"

// Flags are the fixed flags of the build: no file system paths, no
// symbol tables, no version control stamp (it would change with every
// commit).
var Flags = []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w"}

// Build compiles the converter in the module at root and returns the
// WebAssembly binary.
func Build(root string) ([]byte, error) {
	dir, err := os.MkdirTemp("", "sigma2kql-wasm")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "sigma2kql.wasm")
	args := append([]string{"build"}, Flags...)
	args = append(args, "-o", out, Package)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm", "GOFLAGS=", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("GOOS=js GOARCH=wasm go %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	return os.ReadFile(out)
}

// Compress gzips b, as the file is committed and served.
func Compress(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ExecJS returns the toolchain's wasm_exec.js, the JavaScript support file
// that a binary of the same Go version needs.
func ExecJS() ([]byte, error) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOROOT: %v", err)
	}
	root := strings.TrimSpace(string(out))
	var firstErr error
	for _, rel := range []string{"lib/wasm/wasm_exec.js", "misc/wasm/wasm_exec.js"} {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err == nil {
			return b, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, fmt.Errorf("wasm_exec.js not found in the Go distribution at %s: %v", root, firstErr)
}
