// Command genwasm rebuilds the playground's committed WebAssembly converter
// (web/sigma2kql.wasm.gz) and copies the toolchain's wasm_exec.js next to
// it. Run it through `go generate ./playground` from anywhere in the module.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/sigma2kql/sigma2kql/playground/internal/wasmbuild"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "genwasm:", err)
		os.Exit(1)
	}
}

// run works in the directory of package playground, where go generate
// runs it.
func run() error {
	wasm, err := wasmbuild.Build("..")
	if err != nil {
		return err
	}
	gz, err := wasmbuild.Compress(wasm)
	if err != nil {
		return err
	}
	execJS, err := wasmbuild.ExecJS()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join("web", "sigma2kql.wasm.gz"), gz, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join("web", "wasm_exec.js"), execJS, 0o644); err != nil {
		return err
	}
	fmt.Printf("web/sigma2kql.wasm.gz: %d bytes (%d uncompressed)\n", len(gz), len(wasm))
	return nil
}
