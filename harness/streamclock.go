package harness

import (
	"fmt"
	"time"

	"github.com/interleave/interleave/sched"
)

// streamClock is the stream loop's time (stream-loop.md §3): when the
// poller's next poll comes, and the wait before a retry. It is a seam: the
// scheduler has no clock yet, so the default, boundedPolls, lets a poll
// happen at any point of the run, a bounded number of times, and a
// backoff is a scheduling point; a clock that advances when every task is
// blocked can take its place without touching the loop.
type streamClock interface {
	// nextPoll waits for the next poll and reports whether there is one
	// before the world settles.
	nextPoll() bool
	// backoff waits d.
	backoff(d time.Duration)
}

// DefaultPolls is how many polls a stream's poller makes before the world
// settles (Config.Polls), besides the one the settled world gets.
const DefaultPolls = 1

func newStreamClock(rt *sched.Runtime, polls int) streamClock {
	return &boundedPolls{rt: rt, left: polls}
}

// boundedPolls fires each of its polls after a scheduling point of its
// own, so that the search can put it anywhere among the other tasks' steps:
// the ten seconds of a poll period, seen from a run whose steps take no
// time.
type boundedPolls struct {
	rt   *sched.Runtime
	left int
}

func (b *boundedPolls) nextPoll() bool {
	if b.left <= 0 {
		return false
	}
	b.left--
	b.rt.Yield(fmt.Sprintf("poller: a poll period (%v) passes", PollPeriod))
	return true
}

func (b *boundedPolls) backoff(d time.Duration) {
	b.rt.Yield(fmt.Sprintf("sync: back off %v", d))
}
