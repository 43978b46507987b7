//go:build !interleave_off

package sync

import (
	"sync"

	"github.com/interleave/interleave/sched"
)

// Once performs exactly one action; see sync.Once. Under control it is
// once per run.
type Once struct {
	o sync.Once
}

func newOnce(rt *sched.Runtime) *sched.Once { return sched.NewOnce(rt, "") }

// Do calls f if and only if Do is being called for the first time for this
// Once; a concurrent call waits for f to return.
func (o *Once) Do(f func()) {
	if rt := sched.Current(); rt != nil {
		if !rt.Wild() {
			controlled(rt, o, newOnce).Do(f)
			return
		}
		rt.Yield("once")
	}
	o.o.Do(f)
}
