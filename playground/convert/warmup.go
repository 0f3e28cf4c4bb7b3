package convert

import (
	"github.com/sigma2kql/sigma2kql/backends/targets"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// warmUpRule and warmUpPipeline exercise the parts of a conversion: YAML,
// modifiers, a pipeline with a table schema, a field mapping and a query
// table.
const (
	warmUpRule = `title: Warm-up
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\x.exe'
        CommandLine|contains:
            - 'a'
            - 'b'
    condition: selection
`
	warmUpPipeline = `name: warm_up
query_table: T
schema:
    T:
        Path: string
        CommandLine: string
transformations:
    - type: map_fields
      mapping:
          Image: Path
`
)

// WarmUp converts a small rule with each target and returns the
// responses. A browser compiles a WebAssembly function when it is first
// called: the page's converter warms up as it starts, so that its first
// conversion does not also pay for compiling most of the converter. It
// also parses the built-in pipelines (each is parsed once per process), so
// that the first conversion with one does not pay for its YAML.
func WarmUp() []Response {
	pipeline.Builtins()
	var out []Response
	for _, t := range targets.All() {
		format := t.New(nil).Formats()[0].Name
		out = append(out, Run(Request{Target: t.Name, Format: format, Rule: warmUpRule, UserPipeline: warmUpPipeline}))
	}
	return out
}
