//go:build !interleave_off

package sync

import (
	"sync"

	"github.com/interleave/interleave/sched"
)

// WaitGroup waits for a collection of goroutines to finish; see
// sync.WaitGroup.
type WaitGroup struct {
	wg sync.WaitGroup
}

func newWaitGroup(rt *sched.Runtime) *sched.WaitGroup { return sched.NewWaitGroup(rt, "") }

// Add adds delta, which may be negative, to the counter; a negative
// counter panics.
func (wg *WaitGroup) Add(delta int) {
	if rt := sched.Current(); rt != nil {
		if !rt.Wild() {
			controlled(rt, wg, newWaitGroup).Add(delta)
			return
		}
		rt.Yield("add")
	}
	wg.wg.Add(delta)
}

// Done decrements the counter by one.
func (wg *WaitGroup) Done() { wg.Add(-1) }

// Wait blocks until the counter is zero.
func (wg *WaitGroup) Wait() {
	if rt := sched.Current(); rt != nil {
		if !rt.Wild() {
			controlled(rt, wg, newWaitGroup).Wait()
			return
		}
		rt.Yield("wait")
	}
	wg.wg.Wait()
}

// Go calls f in a new goroutine and adds that task to the group: Add(1),
// then a goroutine that calls Done when f returns. Under control the
// goroutine is a task named after the line that calls Go.
func (wg *WaitGroup) Go(f func()) {
	if rt := sched.Current(); rt != nil {
		if !rt.Wild() {
			controlled(rt, wg, newWaitGroup).Go(f)
			return
		}
		wg.wg.Add(1)
		rt.Go("go", func() {
			defer wg.wg.Done()
			f()
		})
		return
	}
	wg.wg.Go(f)
}
