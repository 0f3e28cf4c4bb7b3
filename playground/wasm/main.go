//go:build js && wasm

// Command wasm is the playground's converter, compiled to WebAssembly: it
// sets globalThis.sigma2kql to an object whose function convert takes a
// convert.Request and returns a convert.Response, both as JSON text,
// and then waits for calls. `go generate ./playground` builds it.
package main

import (
	"encoding/json"
	"fmt"
	"syscall/js"

	"github.com/sigma2kql/sigma2kql/playground/convert"
)

func main() {
	api := js.Global().Get("Object").New()
	api.Set("convert", js.FuncOf(func(_ js.Value, args []js.Value) (out any) {
		// A panic would end the Go program and every later call: report
		// it instead, as the command line reports an internal error.
		defer func() {
			if r := recover(); r != nil {
				out = marshal(map[string]string{"error": fmt.Sprintf("internal error: %v (please report it)", r)})
			}
		}()
		var req convert.Request
		if len(args) != 1 || json.Unmarshal([]byte(args[0].String()), &req) != nil {
			return marshal(map[string]string{"error": "convert expects one JSON request"})
		}
		return marshal(convert.Run(req))
	}))
	convert.WarmUp()
	js.Global().Set("sigma2kql", api)
	if ready := js.Global().Get("sigma2kqlReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {}
}

func marshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"error": err.Error()})
	}
	return string(b)
}
