// Package targets lists the backends that sigma2kql offers, wired
// explicitly: one table that a command line, the playground or any other
// front end reads, so that they all offer the same targets under the same
// names.
package targets

import (
	"slices"

	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/backends/kql"
	"github.com/sigma2kql/sigma2kql/backends/kql/deploy"
	"github.com/sigma2kql/sigma2kql/backends/splunk"
)

// A Target is a backend and how front ends present it.
type Target struct {
	Name          string
	Aliases       []string
	Description   string
	New           func(backends.Options) backends.Backend
	NeedsPipeline bool   // converting without a processing pipeline makes no sense
	Ext           string // extension of output files when the format names none
	// CorrelationMethods are the ways the backend writes correlation
	// queries (sigma-cli's --correlation-method), the default first.
	CorrelationMethods []string
}

var all = []Target{
	{Name: "kusto", Aliases: []string{"kql"}, Description: "Kusto Query Language (Microsoft Defender XDR, Sentinel, Azure Monitor)",
		New: func(o backends.Options) backends.Backend { return deploy.Wrap(kql.New(o), o) }, Ext: "kql",
		CorrelationMethods: []string{"default"}},
	{Name: "splunk", Description: "Splunk SPL: searches, savedsearches.conf alerts and tstats data model searches",
		New: func(o backends.Options) backends.Backend { return splunk.New(o) }, NeedsPipeline: true, Ext: "spl",
		CorrelationMethods: []string{"stats"}},
}

// All returns the targets in the order front ends list them.
func All() []Target { return slices.Clone(all) }

// Find returns the target called name or one of its aliases.
func Find(name string) (Target, bool) {
	for _, t := range all {
		if t.Name == name || slices.Contains(t.Aliases, name) {
			return t, true
		}
	}
	return Target{}, false
}

// FileExt is the extension of the files of a format of the target: the
// format's own, or the target's.
func (t Target) FileExt(b backends.Backend, format string) string {
	for _, f := range b.Formats() {
		if f.Name == format && f.Ext != "" {
			return f.Ext
		}
	}
	if t.Ext != "" {
		return t.Ext
	}
	return "txt"
}
