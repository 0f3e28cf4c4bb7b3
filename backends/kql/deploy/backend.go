package deploy

import (
	"github.com/sigma2kql/sigma2kql/backends"
	"github.com/sigma2kql/sigma2kql/pipeline"
)

// A Printer is the query printer that the deployable formats wrap: a
// backend of plain queries that converts correlations too (package kql).
type Printer interface {
	backends.Backend
	backends.CorrelationConverter
}

// An EventKeeper is a Printer whose correlation queries can keep, in each
// row, the time and the given columns of one of the events it counts
// (package kql's ConvertCorrelationKeeping).
type EventKeeper interface {
	ConvertCorrelationKeeping(c *backends.Correlation, format string, keep []string) ([]string, error)
}

// Backend is a query printer with the deployable formats added: it asks
// the printer for the plain queries of a rule and wraps them as Sentinel
// rules, ARM resources or Defender custom detections. The printer knows
// nothing of these formats.
type Backend struct {
	printer Printer
	opts    backends.Options
}

// Wrap returns the printer with the deployable formats; opts are the
// backend options, of which the schedule and alerting ones (OptionKeys)
// are read here.
func Wrap(p Printer, opts backends.Options) *Backend { return &Backend{printer: p, opts: opts} }

// Name is the printer's target name.
func (b *Backend) Name() string { return b.printer.Name() }

// Formats lists the printer's formats, then the deployable ones.
func (b *Backend) Formats() []backends.Format {
	return append(append([]backends.Format(nil), b.printer.Formats()...), Formats...)
}

// plainFormat is the printer format whose queries the deployable formats
// wrap: its default, the first it lists.
func (b *Backend) plainFormat() string { return b.printer.Formats()[0].Name }

// Convert returns the printer's queries of the rule, as documents of the
// format when it is a deployable one.
func (b *Backend) Convert(res *pipeline.Result, format string) ([]string, error) {
	if !IsFormat(format) {
		return b.printer.Convert(res, format)
	}
	queries, err := b.printer.Convert(res, b.plainFormat())
	if err != nil {
		return nil, err
	}
	opts, err := ParseOptions(b.opts)
	if err != nil {
		return nil, err // CheckOptions reports it before a run
	}
	return Render(format, res, queries, opts)
}

// ConvertCorrelation returns the printer's query of a correlation, as
// documents of the format when it is a deployable one.
func (b *Backend) ConvertCorrelation(c *backends.Correlation, format string) ([]string, error) {
	if !IsFormat(format) {
		return b.printer.ConvertCorrelation(c, format)
	}
	var keep []string
	var queries []string
	var err error
	if k, ok := b.printer.(EventKeeper); ok && format == FormatDefender {
		if keep, err = defenderKeep(c); err != nil {
			return nil, err
		}
		queries, err = k.ConvertCorrelationKeeping(c, b.plainFormat(), keep)
	} else {
		queries, err = b.printer.ConvertCorrelation(c, b.plainFormat())
	}
	if err != nil {
		return nil, err
	}
	opts, err := ParseOptions(b.opts)
	if err != nil {
		return nil, err
	}
	return RenderCorrelation(format, c, queries, opts, keep)
}

// CheckOptions checks the values of the schedule and alerting options of
// a deployable format (the schedules differ: Sentinel's range, Defender's
// list), and the printer's options for its own formats. Which format reads
// which option is declared in Formats; the command line rejects the
// others.
func (b *Backend) CheckOptions(format string) error {
	if !IsFormat(format) {
		if oc, ok := b.printer.(backends.OptionChecker); ok {
			return oc.CheckOptions(format)
		}
		return nil
	}
	o, err := ParseOptions(b.opts)
	if err != nil {
		return err
	}
	return o.CheckSchedule(format)
}

// Options are the options of the printer that every format reads.
func (b *Backend) Options() []backends.OptionSpec {
	if ol, ok := b.printer.(backends.OptionLister); ok {
		return ol.Options()
	}
	return nil
}

// Assemble joins the documents of a format into the text of one file.
func (b *Backend) Assemble(format string, docs []string) string {
	if IsFormat(format) {
		return Assemble(format, docs)
	}
	if a, ok := b.printer.(backends.Assembler); ok {
		return a.Assemble(format, docs)
	}
	return backends.JoinQueries(docs)
}

// Split returns the texts of the files holding the documents of a format:
// ARM templates of at most ARMMaxResources resources and ARMMaxBytes
// bytes each, one file for the other formats.
func (b *Backend) Split(format string, docs []string) ([]string, error) {
	if format == FormatARM {
		return ARMTemplates(docs)
	}
	return []string{b.Assemble(format, docs)}, nil
}

// SplitPart reports whether data is an ARM template (the only format that
// is split).
func (b *Backend) SplitPart(format string, data []byte) bool {
	return format == FormatARM && isARMTemplate(data)
}
