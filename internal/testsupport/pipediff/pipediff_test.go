package pipediff

import (
	"flag"
	"fmt"
	"math/rand"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sigma2kql/sigma2kql/internal/testsupport/regression"
	"github.com/sigma2kql/sigma2kql/internal/testsupport/rowmodel"
)

var (
	long = flag.Bool("long", false, "generate 20 cases per field of each event instead of 2 (about 160,000 cases)")
	seed = flag.Int64("seed", defaultSeed, "the generator's seed")
	pipe = flag.String("pipeline", "", "the pipeline whose queries run on its row model's rows (default: each of defaultPipelines; one without a table of approximations lists every disagreement)")
)

// defaultPipelines are the pipelines the test runs without -pipeline: those
// with a table of approximations.
var defaultPipelines = []string{"microsoft_xdr", "sentinel_asim", "azure_monitor"}

// pipelines are the pipelines this run tests.
func pipelines() []string {
	if *pipe != "" {
		return []string{*pipe}
	}
	return defaultPipelines
}

const defaultSeed = 1

// An approximation is a known way in which a query and its Sigma rule
// disagree on an event: what the target records cannot answer the rule
// exactly, and the pipeline does the closest it can (or the row model
// cannot know the value). applies says whether a disagreement is this
// one; it must be narrow, so that a new defect is not taken for it.
type approximation struct {
	name    string
	reason  string
	applies func(c *Case) bool
}

// approximations are the known approximations of each pipeline.
var approximations = map[string][]approximation{"microsoft_xdr": xdrApproximations, "sentinel_asim": asimApproximations, "azure_monitor": azureApproximations}

// fuzzOnly are the approximations of a pipeline that fuzzing found and the
// cases of the default seed do not show, even with -long: the check that
// every approximation explains a case leaves them out.
var fuzzOnly = map[string][]string{
	// IpPort: "050218" on a logon's numeric SrcPortNumber.
	"sentinel_asim": {"numbers compared as numbers"},
}

// xdrApproximations are the known approximations of microsoft_xdr.
var xdrApproximations = []approximation{
	{"process file version",
		"Sysmon's FileVersion is the image's file-version string; Defender records its product version " +
			"(ProcessVersionInfoProductVersion), which the pipeline compares instead (the reference's mapping: " +
			"rules test version prefixes the two share). The event gives no product version, so the row leaves it empty.",
		func(c *Case) bool {
			return c.Field == "FileVersion" && c.Source.Logsource["category"] == "process_creation"
		}},
	{"registry data text",
		"Sysmon writes registry data as DWORD (0x...), QWORD (0x...-0x...), Binary Data or (Empty); Defender " +
			"records the number in decimal, no binary data, and the empty string, which Kusto cannot tell from " +
			"no value. Whole values and types alone are converted (registry_data); a text that cuts Sysmon's " +
			"decoration elsewhere (0x00, D (0x) has no counterpart (golden/DEVIATIONS.md, Registry data).",
		func(c *Case) bool { return c.Field == "Details" && registryDecoration.MatchString(c.value()) }},
	{"registry key spelling",
		"Defender spells root keys out and CurrentControlSet as ControlSet001; the pipeline respells whole " +
			"path segments (replace_segments), so a text that cuts one (KLM\\System, ntControlSet), a text " +
			"found only in Defender's spelling (_ of HKEY_LOCAL_MACHINE) and a regular expression on Sysmon's " +
			"spelling have no counterpart (golden/DEVIATIONS.md, Registry paths).",
		func(c *Case) bool { return c.Field == "TargetObject" && spellingDiffers(c, defenderPath(c)) }},
	{"hashes across entries",
		"Defender keeps each hash in its own column (MD5, SHA1, SHA256): a text, or texts joined by a " +
			"wildcard, across two of Sysmon's NAME=value entries of Hashes has no column to test.",
		acrossHashes},
	bareHashByLength,
	{"no value",
		"Sysmon and the Security log write '-' where they have no value (an account unknown, a logon without " +
			"a source address or port); Defender leaves the column empty (logon_no_source maps the value '-' " +
			"itself), and the account split reads every account as DOMAIN\\user.",
		func(c *Case) bool { return c.value() == "-" && slices.Contains(dashFields, c.Field) }},
	{"inbound connection host names",
		"Sysmon's Source is the side that opened a connection, so for an inbound one (Initiated: false) the " +
			"Destination is the local host; the pipeline computes the addresses and ports by the row's " +
			"direction, but maps SourceHostname to DeviceName and DestinationHostname to RemoteUrl, which " +
			"hold for the connections the host opened (Defender records no name of an inbound peer).",
		func(c *Case) bool {
			return c.Source.Event.EventID == 3 && c.Source.Event.Field("Initiated") == "false" &&
				(c.Field == "SourceHostname" || c.Field == "DestinationHostname")
		}},
	{"pipe name prefix",
		"Defender names a pipe by its kernel object, \\Device\\NamedPipe\\<name>, where Sysmon writes \\<name>; " +
			"the pipeline adds the prefix to values tested from their start with a literal backslash " +
			"(replace_prefix), not to a wildcard or a regular expression, and a text found in the prefix " +
			"(NamedPipe) is found in every name.",
		func(c *Case) bool {
			if c.Field != "PipeName" {
				return false
			}
			v, d := strings.ToLower(c.value()), strings.ToLower(`\Device\NamedPipe`+c.value())
			return c.Kind == Regex || c.Kind == Wildcard && !strings.HasPrefix(c.Texts[0], `\`) ||
				slices.ContainsFunc(c.Texts, func(t string) bool {
					t = strings.ToLower(t)
					return strings.Contains(d, t) && !strings.Contains(v, t)
				})
		}},
	numbersAsNumbers,
}

// numbersAsNumbers is an approximation of every Kusto pipeline: the
// backend compares a number on a numeric column as a number.
var numbersAsNumbers = approximation{"numbers compared as numbers",
	"a number on a numeric column is compared as the number the target records (hex_numbers for IDs " +
		"written in hexadecimal; the backend for any number text, spaces trimmed): 0x07e2aa and 0X7E2AA " +
		"are the ID 0x7e2aa, 050265 the port 50265, which Sigma's text comparison tells apart.",
	func(c *Case) bool {
		n, ok := numberOf(c.value())
		return ok && slices.ContainsFunc(c.Texts, func(s string) bool {
			m, ok := numberOf(strings.TrimSpace(s))
			return ok && m == n && s != c.value()
		})
	}}

// bareHashByLength is an approximation of every pipeline that splits
// Sysmon's Hashes.
var bareHashByLength = approximation{"bare hash by length",
	"a Hashes value without NAME= is told by its length (split_hashes): 32 hex digits are taken for MD5, " +
		"though IMPHASH has the same length, and under contains or endswith any of these lengths may be the " +
		"end of a longer hash.",
	testsBareHash}

// dashFields are the fields whose "-" Defender records otherwise.
var dashFields = []string{"User", "ParentUser", "SourceUser", "IpAddress", "IpPort", "WorkstationName"}

// bareHash matches a hash without its algorithm's name.
var bareHash = regexp.MustCompile(`^([0-9A-Fa-f]{32}|[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$`)

// registryDecoration matches Sysmon's texts of registry data that
// Defender records otherwise.
var registryDecoration = regexp.MustCompile(`^(DWORD|QWORD) \(|^Binary Data$|^\(Empty\)$`)

// respelled are the registry path segments the pipeline writes as
// Defender does.
var respelled = []string{"HKLM", "HKU", "HKCU", "HKCR", "CurrentControlSet"}

// cutsSegment reports whether a text, where it occurs in the path v,
// starts or ends inside a segment that Defender spells otherwise.
func cutsSegment(v string, texts []string) bool {
	lower := strings.ToLower(v)
	for _, t := range texts {
		t = strings.ToLower(t)
		for i := strings.Index(lower, t); t != "" && i >= 0; i = next(lower, t, i) {
			if insideSegment(v, i) || insideSegment(v, i+len(t)) {
				return true
			}
		}
	}
	return false
}

func next(s, sub string, i int) int {
	j := strings.Index(s[i+1:], sub)
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// insideSegment reports whether offset i of path v falls strictly inside a
// respelled segment.
func insideSegment(v string, i int) bool {
	start := strings.LastIndexByte(v[:i], '\\') + 1
	end := strings.IndexByte(v[i:], '\\')
	if end < 0 {
		end = len(v)
	} else {
		end += i
	}
	return i > start && i < end && slices.ContainsFunc(respelled, func(s string) bool { return strings.EqualFold(s, v[start:end]) })
}

// spellingDiffers reports whether a text of a case cuts a path segment
// that the target spells otherwise, is found in the target's path of the
// event (path) and not in Sysmon's, or is part of a regular expression
// found in Sysmon's path and not in the target's.
func spellingDiffers(c *Case, path string) bool {
	v, d := strings.ToLower(c.value()), strings.ToLower(path)
	return cutsSegment(c.value(), c.Texts) || slices.ContainsFunc(c.Texts, func(t string) bool {
		t = strings.ToLower(t)
		inV, inD := strings.Contains(v, t), strings.Contains(d, t)
		return inD && !inV || c.Kind == Regex && inV && !inD
	})
}

// defenderPath is Sysmon's TargetObject as Defender's row spells it: the
// key, then the value name ((Default) for the unnamed value) for value
// events, as the pipeline's RegistryPath rebuilds it.
func defenderPath(c *Case) string {
	return rowPath(rowmodel.Defender{}, c, "RegistryValueName")
}

// asimPath is the same for ASIM's registry row (RegistryValue).
func asimPath(c *Case) string {
	return rowPath(rowmodel.ASIM{}, c, "RegistryValue")
}

func rowPath(m rowmodel.Model, c *Case, valueColumn string) string {
	rows, _ := m.Rows(c.Source.Event)
	for _, r := range rows {
		key, _ := r.Values["RegistryKey"].(string)
		name, isValue := r.Values[valueColumn].(string)
		switch {
		case !isValue:
			return key
		case name == "":
			return key + `\(Default)`
		}
		return key + `\` + name
	}
	return ""
}

// acrossHashes reports whether a case tests texts across entries of
// Sysmon's Hashes.
func acrossHashes(c *Case) bool {
	return c.Field == "Hashes" && (!oneEntry(c.value(), c.Texts) || c.Kind == Wildcard && strings.Contains(c.value(), ","))
}

// testsBareHash reports whether a case tests a hash without its name.
func testsBareHash(c *Case) bool {
	return c.Field == "Hashes" && slices.ContainsFunc(c.Texts, func(s string) bool { return bareHash.MatchString(s) })
}

// oneEntry reports whether one of the comma-separated entries of the
// Hashes text v holds every text (ignoring case).
func oneEntry(v string, texts []string) bool {
	for _, e := range strings.Split(strings.ToLower(v), ",") {
		if !slices.ContainsFunc(texts, func(t string) bool { return !strings.Contains(e, strings.ToLower(t)) }) {
			return true
		}
	}
	return false
}

// numberOf reads a number written in decimal or 0x... hexadecimal.
func numberOf(s string) (uint64, bool) {
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		n, err := strconv.ParseUint(h, 16, 64)
		return n, err == nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

// value is the event's text of the case's field.
func (c *Case) value() string { return c.Source.Event.Field(c.Field) }

// classify returns the approximation a disagreement is (of either item),
// or nil.
func classify(approx []approximation, c *Case) *approximation {
	for i := range approx {
		if approx[i].applies(c) || c.With != nil && approx[i].applies(c.With) {
			return &approx[i]
		}
	}
	return nil
}

// loadSources loads the regression events and derives more.
var loadSources = sync.OnceValues(func() ([]*Source, error) {
	shared, ok := regression.SharedDir()
	if !ok {
		return nil, nil
	}
	sources, err := LoadSources(filepath.Join(shared, "conformance", "regression"), filepath.Join(shared, "conformance", "corpus"))
	if err != nil {
		return nil, err
	}
	return append(sources, Derive(sources, 3)...), nil
})

// setup loads the events and the harness of a pipeline.
func setup(pipeline string) (*fixture, error) {
	sources, err := loadSources()
	if sources == nil || err != nil {
		return nil, err
	}
	shared, _ := regression.SharedDir()
	h, err := regression.New(pipeline, shared)
	return &fixture{sources: sources, h: h, pipe: pipeline}, err
}

type fixture struct {
	sources []*Source
	h       *regression.Harness
	pipe    string
}

func load(t testing.TB, pipeline string) *fixture {
	fx, err := setup(pipeline)
	if err != nil {
		t.Fatal(err)
	}
	if fx == nil {
		t.Skip("../shared is absent: the regression events, the corpus and the table schemas are there")
	}
	return fx
}

// A tally sums the outcomes of a run.
type tally struct {
	pipe           string
	cases, matched int
	// cases of the events the row model records, and those converted
	recorded, recordedConverted int
	verdicts                    map[Verdict]int
	known                       map[string]int // approximation -> disagreements
	unexplained                 []string       // reports of the other disagreements
	undecided                   []string
	rejections                  map[string]int // first line of the reason, without position
}

var position = regexp.MustCompile(`^(\S+\.yml:)?\d+:\d+: `)

func (tl *tally) add(m *fixture, c *Case, o Outcome) {
	tl.cases++
	if rows, _ := m.h.Model.Rows(c.Source.Event); len(rows) > 0 {
		tl.recorded++
		if o.Verdict != Rejected {
			tl.recordedConverted++
		}
	}
	tl.verdicts[o.Verdict]++
	switch o.Verdict {
	case Agree:
		if o.Sigma {
			tl.matched++
		}
	case Disagree:
		if a := classify(approximations[m.pipe], c); a != nil {
			tl.known[a.name]++
		} else {
			tl.unexplained = append(tl.unexplained, Report(m.h.Model, c, o))
		}
	case Rejected:
		msg, _, _ := strings.Cut(o.Err.Error(), "\n")
		msg, _, _ = strings.Cut(position.ReplaceAllString(msg, ""), ";")
		tl.rejections[msg]++
	case Undecided:
		tl.undecided = append(tl.undecided, fmt.Sprintf("%s: %v", c, o.Err))
	}
}

// TestMicrosoftXDR generates rules from the regression events (seeded:
// -seed, -long for ten times as many), converts them with microsoft_xdr,
// runs each query on the Defender rows of its event and compares with the
// rule on the event. It fails on a disagreement that is no known
// approximation (xdrApproximations), on a case neither side can decide,
// and, with -long and the default seed, on an approximation that no case
// shows (the table must stay what the pipeline does). -pipeline runs the
// same on another pipeline with a row model (rowmodel.Pipelines), listing
// its disagreements: sentinel_windowsevent agrees on every case. Without
// -pipeline it runs microsoft_xdr, sentinel_asim (asimApproximations) and
// azure_monitor (azureApproximations).
func TestMicrosoftXDR(t *testing.T) {
	for _, p := range pipelines() {
		t.Run(p, func(t *testing.T) { testPipeline(t, p) })
	}
}

func testPipeline(t *testing.T, pipeline string) {
	fx := load(t, pipeline)
	perField := 2
	if *long {
		perField = 20
	}
	cases := Generate(*seed, fx.sources, perField)
	outs := make([]Outcome, len(cases))
	var wg sync.WaitGroup
	w := runtime.GOMAXPROCS(0)
	for k := range w {
		wg.Go(func() {
			for i := k; i < len(cases); i += w {
				outs[i] = Check(fx.h, cases[i])
			}
		})
	}
	wg.Wait()
	tl := tally{pipe: pipeline, verdicts: map[Verdict]int{}, known: map[string]int{}, rejections: map[string]int{}}
	for i, o := range outs {
		tl.add(fx, cases[i], o)
	}
	tl.log(t, len(fx.sources))
	tl.check(t)
}

func (tl *tally) log(t *testing.T, events int) {
	v := tl.verdicts
	converted := v[Agree] + v[Warned] + v[Disagree] + v[NoRow] + v[Undecided]
	t.Logf("%s, seed %d: %d cases from %d events; %d converted: %d agree (%d of them match), %d disagree where the conversion warned, %d disagree (%d known approximations, %d new), %d without a row, %d undecided; %d rejected (%d of the %d cases of events the row model records convert)",
		tl.pipe, *seed, tl.cases, events, converted, v[Agree], tl.matched, v[Warned], v[Disagree], v[Disagree]-len(tl.unexplained), len(tl.unexplained), v[NoRow], v[Undecided], v[Rejected], tl.recordedConverted, tl.recorded)
	for _, a := range approximations[tl.pipe] {
		t.Logf("  approximation %q: %d", a.name, tl.known[a.name])
	}
	var reasons []string
	for r := range tl.rejections {
		reasons = append(reasons, r)
	}
	sort.Slice(reasons, func(i, j int) bool {
		ri, rj := tl.rejections[reasons[i]], tl.rejections[reasons[j]]
		return ri > rj || ri == rj && reasons[i] < reasons[j]
	})
	for i, r := range reasons {
		if i == 8 {
			t.Logf("  ... %d more reasons", len(reasons)-i)
			break
		}
		t.Logf("  rejected %5d: %s", tl.rejections[r], r)
	}
}

func (tl *tally) check(t *testing.T) {
	for i, r := range tl.unexplained {
		if i == 10 {
			t.Errorf("... %d more", len(tl.unexplained)-i)
			break
		}
		t.Errorf("new disagreement (fix the pipeline or the row model, or list a documented approximation in approximations[%q]): %s", tl.pipe, r)
	}
	for _, u := range tl.undecided {
		t.Errorf("undecided: %s", u)
	}
	if *seed == defaultSeed && *long {
		for _, a := range approximations[tl.pipe] {
			if tl.known[a.name] == 0 && !slices.Contains(fuzzOnly[tl.pipe], a.name) {
				t.Errorf("approximation %q explains no disagreement: remove it from approximations[%q]", a.name, tl.pipe)
			}
		}
	}
	agree := tl.verdicts[Agree]
	if ratio := float64(tl.matched) / float64(max(agree, 1)); agree >= 1000 && (ratio < 0.15 || ratio > 0.85) {
		t.Errorf("%.0f%% of the agreeing cases match: the generator must make both matches and non-matches frequent", 100*ratio)
	}
	// About half of the fields of the events the target records have no
	// column (SecurityEvent records few of the events).
	if tl.recordedConverted*5 < tl.recorded*2 {
		t.Errorf("%d of %d cases of recorded events convert: the generator must mostly test fields the target records", tl.recordedConverted, tl.recorded)
	}
}

// FuzzMicrosoftXDR lets the fuzzer choose the event, the field and the
// generator's seed: go test ./internal/testsupport/pipediff -run '^$'
// -fuzz FuzzMicrosoftXDR -fuzztime 5m.
func FuzzMicrosoftXDR(f *testing.F) {
	f.Add(int64(1), uint16(0), uint8(0))
	f.Add(int64(7), uint16(150), uint8(3))
	f.Fuzz(func(t *testing.T, s int64, event uint16, field uint8) {
		fx := load(t, pipelines()[0])
		src := fx.sources[int(event)%len(fx.sources)]
		fields := src.Fields()
		c := GenerateOne(rand.New(rand.NewSource(s)), src, fields[int(field)%len(fields)])
		if c == nil {
			return
		}
		o := Check(fx.h, c)
		if o.Verdict == Undecided || o.Verdict == Disagree && classify(approximations[fx.pipe], c) == nil {
			t.Fatalf("%s\n%v", Report(fx.h.Model, c, o), o.Err)
		}
	})
}

// The same seed gives the same cases.
func TestGenerateIsDeterministic(t *testing.T) {
	fx := load(t, pipelines()[0])
	a, b := Generate(42, fx.sources[:20], 3), Generate(42, fx.sources[:20], 3)
	if len(a) != len(b) {
		t.Fatalf("%d and %d cases", len(a), len(b))
	}
	for i := range a {
		if a[i].Rule != b[i].Rule {
			t.Fatalf("case %d differs:\n%s\n%s", i, a[i].Rule, b[i].Rule)
		}
	}
}
