package sched

import (
	"fmt"
	"reflect"
	"strings"
)

// Case is one arm of a Select: a receive or a send on a Chan
// (Chan.RecvCase, Chan.SendCase) or a Queue (Queue.RecvCase,
// Queue.SendCase).
type Case interface {
	// ready reports whether the case can proceed at once; commit
	// performs it.
	ready() bool
	commit()
	// touch declares the case's object to partial-order reduction:
	// what the select reads to tell whether the case is ready.
	// touchBlocked declares what a select that blocks reads of it: what
	// could have made the case ready had the select come earlier.
	touch(rt *Runtime)
	touchBlocked(rt *Runtime)
	// register enters a blocked select's waiter for the case; unregister
	// takes it out again once the select resumes. A channel completes a
	// registered case itself (it hands a value over, or is closed) and
	// marks the select fired; finish then ends it in the select's task.
	// A queue only wakes the select, which looks at its cases again.
	register(sel *selecting, idx int, w waiter)
	unregister()
	finish()
	what() string
	// sited reports whether the case's object shows call sites in traces.
	sited() bool
	// wild mode
	selectCase() reflect.SelectCase
	wildDone(v reflect.Value, ok bool)
}

// selecting is a blocked select: fired is the index of the case a channel
// completed, or -1; cases describes the wait in a deadlock report.
type selecting struct {
	fired int
	cases []Case
	buf   [4]Case
}

func (s *selecting) describe() string {
	if len(s.cases) == 0 {
		return "select with no cases (blocks forever)"
	}
	parts := make([]string, len(s.cases))
	for i, c := range s.cases {
		parts[i] = c.what()
	}
	return fmt.Sprintf("select on [%s]", strings.Join(parts, ", "))
}

// selecting returns a selecting for a select that blocks: the spare one of
// the run when there is one (a select that resumed gives its own back).
func (rt *Runtime) selecting() *selecting {
	if s := rt.spareSel; s != nil {
		rt.spareSel = nil
		s.fired = -1
		return s
	}
	return &selecting{fired: -1}
}

// Select waits until one of the cases can proceed, performs it and returns
// its index. When several are ready, the strategy chooses (as Go's select
// chooses at random): a data choice. Cases on a nil channel are never
// ready, and a Select with no cases (or only such cases) blocks forever. It
// is a scheduling point.
func (rt *Runtime) Select(cases ...Case) int { return rt.selectCases(cases, false) }

// TrySelect is Select with a default: it returns -1 at once when no case is
// ready.
func (rt *Runtime) TrySelect(cases ...Case) int { return rt.selectCases(cases, true) }

func (rt *Runtime) selectCases(cases []Case, hasDefault bool) int {
	if rt.wild != nil {
		return rt.wildSelect(cases, hasDefault)
	}
	label := "select"
	if rt.trace != nil {
		for _, c := range cases {
			if c.sited() {
				label = rt.sited(label, true)
				break
			}
		}
	}
	rt.point(label)
	for {
		var readyIdx [8]int
		ready := readyIdx[:0]
		for i, c := range cases {
			if c.ready() {
				ready = append(ready, i)
			}
		}
		if rt.por != nil {
			// A select that blocks only waits (see access.go, "Blocking
			// attempts"): it declares what could have let a case
			// through had it come first, not what wakes it.
			blocks := len(ready) == 0 && !hasDefault
			for _, c := range cases {
				if blocks {
					c.touchBlocked(rt)
				} else {
					c.touch(rt)
				}
			}
		}
		if len(ready) > 0 {
			i := ready[0]
			if len(ready) > 1 {
				i = ready[rt.Choose(len(ready))]
			}
			cases[i].commit()
			return i
		}
		if hasDefault {
			return -1
		}
		// Copied, so that the cases of a select that does not block stay
		// where its caller put them (on the stack).
		sel := rt.selecting()
		sel.cases = append(sel.buf[:0], cases...)
		w := rt.waiter()
		for i, c := range cases {
			c.register(sel, i, w)
		}
		rt.block(sel)
		for _, c := range cases {
			c.unregister()
			if rt.por != nil {
				c.touch(rt)
			}
		}
		fired := sel.fired
		rt.spareSel, sel.cases, sel.buf = sel, nil, [4]Case{}
		if fired >= 0 {
			cases[fired].finish()
			return fired
		}
	}
}
