package convert

import (
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/backends/targets"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// A Catalog lists what the page's selectors offer: every target with its
// formats and every built-in pipeline, as the library defines them.
type Catalog struct {
	Targets   []TargetInfo   `json:"targets"`
	Pipelines []PipelineInfo `json:"pipelines"`
}

// TargetInfo describes a target.
type TargetInfo struct {
	Name          string       `json:"name"`
	Description   string       `json:"description"`
	NeedsPipeline bool         `json:"needsPipeline"`
	Formats       []FormatInfo `json:"formats"` // the default first
}

// FormatInfo describes an output format.
type FormatInfo struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Ext         string `json:"ext"`
}

// PipelineInfo describes a built-in pipeline.
type PipelineInfo struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Targets     []string `json:"targets"` // empty: any target
	// Schema holds the tables the pipeline knows: table -> column -> type.
	Schema map[string]map[string]string `json:"schema"`
}

// NewCatalog lists the targets and built-in pipelines.
func NewCatalog() Catalog {
	var c Catalog
	for _, t := range targets.All() {
		b := t.New(backends.Options{})
		ti := TargetInfo{Name: t.Name, Description: t.Description, NeedsPipeline: t.NeedsPipeline}
		for _, f := range b.Formats() {
			ti.Formats = append(ti.Formats, FormatInfo{Name: f.Name, Description: f.Description,
				Ext: t.FileExt(b, f.Name)})
		}
		c.Targets = append(c.Targets, ti)
	}
	for _, p := range pipeline.Builtins() {
		c.Pipelines = append(c.Pipelines, PipelineInfo{Name: p.Name, Description: p.Description, Targets: p.Targets, Schema: Schema(p)})
	}
	return c
}
