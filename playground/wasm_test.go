package playground

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/sigma2kql/sigma2kql/playground/convert"
	"github.com/sigma2kql/sigma2kql/playground/internal/wasmbuild"
)

// TestWasmUpToDate rebuilds the converter and compares it with the
// committed one: the page must convert as the library of this commit does.
//
// go test caches a result by the test binary and the files the test
// opens, not by what `go build` reads: the test binary links package
// convert and with it every package of the converter, and the test reads
// the sources of the WebAssembly main, so that a change to any of them
// runs the test again.
func TestWasmUpToDate(t *testing.T) {
	mains, err := filepath.Glob(filepath.Join("wasm", "*.go"))
	if err != nil || len(mains) == 0 {
		t.Fatalf("no sources of the WebAssembly main: %v", err)
	}
	for _, m := range mains {
		if _, err := os.ReadFile(m); err != nil {
			t.Fatal(err)
		}
	}
	if len(convert.NewCatalog().Targets) == 0 {
		t.Fatal("the converter offers no target")
	}
	files, err := Site()
	if err != nil {
		t.Fatal(err)
	}
	got, err := wasmbuild.Build("..")
	if err != nil {
		t.Fatal(err)
	}
	const fix = "run `go generate ./playground` and commit web/sigma2kql.wasm.gz and web/wasm_exec.js"
	if committed := files["sigma2kql.wasm"].Data; !bytes.Equal(got, committed) {
		t.Errorf("web/sigma2kql.wasm.gz is stale: a rebuild gives %d bytes, the committed file %d; %s (with the Go toolchain of go.mod: Go builds are reproducible for one toolchain)", len(got), len(committed), fix)
	}
	execJS, err := wasmbuild.ExecJS()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(execJS, files["wasm_exec.js"].Data) {
		t.Errorf("web/wasm_exec.js differs from the toolchain's; %s", fix)
	}
}
