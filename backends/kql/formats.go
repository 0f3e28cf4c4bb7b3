package kql

import (
	"fmt"
	"strings"

	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/backends/kql/deploy"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// deployable writes the queries of a rule as deployable rules of the
// format (package deploy).
func (b *Backend) deployable(res *pipeline.Result, format string, queries []string) ([]string, error) {
	opts, err := deploy.ParseOptions(b.opts)
	if err != nil {
		return nil, err // CheckOptions reports it before a run
	}
	return deploy.Render(format, res, queries, opts)
}

// CheckOptions checks the schedule and alerting options for a format:
// their values, and that they are not given for plain queries.
func (b *Backend) CheckOptions(format string) error {
	if !deploy.IsFormat(format) {
		var given []string
		for _, k := range deploy.OptionKeys {
			if _, ok := b.opts[k]; ok {
				given = append(given, k)
			}
		}
		if len(given) > 0 {
			var names []string
			for _, f := range deploy.Formats {
				names = append(names, f.Name)
			}
			return fmt.Errorf("option %s is for the formats %s, not %s", strings.Join(given, ", "), strings.Join(names, ", "), format)
		}
		return nil
	}
	_, err := deploy.ParseOptions(b.opts)
	return err
}

// Assemble joins the documents of a format into the text of one file.
func (b *Backend) Assemble(format string, docs []string) string {
	if deploy.IsFormat(format) {
		return deploy.Assemble(format, docs)
	}
	return backends.JoinQueries(docs)
}
