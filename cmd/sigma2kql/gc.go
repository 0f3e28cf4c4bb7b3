package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// Garbage collection for a batch run.
//
// A run holds every parsed rule until the last one is converted (any rule
// may be named by a correlation or a filter of another file), so the live
// heap grows with the batch: about 8 KB per rule, 25 to 30 MB for the 3,141
// rules of the SigmaHQ corpus. With the default pacing (GOGC=100), the
// collector ran ten times on that batch and the heap grew to twice the
// live heap: a peak RSS of about 66 MB. With a soft memory limit the
// collector can be paced more loosely (GOGC=200) while the heap is small
// and more tightly near the limit: on the corpus, 1.54 G -> 1.45 G
// instructions and a peak RSS of about 59 MB.
//
// A batch whose live heap comes close to the limit would make the
// collector run back to back, though: so as soon as a collection finds the
// live heap above liftAt, the limit is lifted, and larger batches take
// time and memory in proportion to their size. They are then paced with
// GOGC=300: almost all that such a batch allocates while it parses stays
// live to the end, so a collection then frees little and the default
// pacing only repeats the marking of a growing heap. On ten copies of the
// corpus (perf stat, 8 runs each), GOGC=300 took 0.93 s and 1.27 s of CPU
// where 150 took 1.02 s and 1.43 s, for a peak RSS of about 575 MB against
// 560 MB; 400 saved little more time for 620 MB.
const (
	memoryLimit = 56 << 20
	liftAt      = memoryLimit * 6 / 10
	looseGC     = 200 // GOGC under the memory limit
	liftedGC    = 300 // GOGC once the limit is lifted
)

// tuneGC sets the collector up for a batch, unless the GOGC or GOMEMLIMIT
// environment variables set it up otherwise.
func tuneGC() {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(memoryLimit)
	debug.SetGCPercent(looseGC)
	watchHeap()
}

// watchHeap checks the live heap after the next collection, and after
// every one until it lifts the memory limit.
func watchHeap() {
	// The sentinel holds a pointer so that it is not a tiny allocation,
	// which shares its memory block and may outlive a collection.
	sentinel := &struct{ p *int }{}
	runtime.AddCleanup(sentinel, func(struct{}) {
		if liveHeap() > liftAt {
			debug.SetGCPercent(liftedGC)
			debug.SetMemoryLimit(math.MaxInt64)
			return
		}
		watchHeap()
	}, struct{}{})
}

// liveHeap returns the heap that the last collection found live.
func liveHeap() uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}
