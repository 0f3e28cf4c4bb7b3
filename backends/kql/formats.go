package kql

import (
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

// CheckOptions checks the values of the schedule and alerting options of
// a deployable format. Which format reads which option is declared in
// deploy.Formats; the command line rejects the others.
func (b *Backend) CheckOptions(format string) error {
	if !deploy.IsFormat(format) {
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
