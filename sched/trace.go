package sched

import (
	"fmt"
	"hash/fnv"
	"strings"
)

// EventKind tells a step from a note.
type EventKind uint8

const (
	// StepEvent: the scheduler picked Task, which was about to do Text.
	StepEvent EventKind = iota
	// NoteEvent: Task noted Text (Runtime.Notef) during step Step.
	NoteEvent
)

// Event is one line of a trace.
type Event struct {
	Step int
	Task TaskID
	Kind EventKind
	Text string
	// Runnable is the runnable set of a step, recorded only with
	// Options.Runnable.
	Runnable []TaskID
}

// Trace is the timeline of a run.
type Trace struct {
	// Tasks holds the task names, indexed by TaskID.
	Tasks  []string
	Events []Event
}

// traceStep records a step. It is kept out of line: inlined, it made the
// frame of pick, on the path of every step, four times larger.
//
//go:noinline
func (rt *Runtime) traceStep(t *task) {
	if rt.trace == nil {
		return
	}
	e := Event{Step: rt.step, Task: t.id, Kind: StepEvent, Text: t.label}
	if rt.recRun {
		e.Runnable = append([]TaskID(nil), rt.dec.Runnable...)
		if rt.step == 1 {
			e.Runnable = []TaskID{0}
		}
	}
	rt.trace.Events = append(rt.trace.Events, e)
}

func (rt *Runtime) note(text string) {
	rt.trace.Events = append(rt.trace.Events, Event{Step: rt.step, Task: rt.cur.id, Kind: NoteEvent, Text: text})
}

// TaskName returns the name of task id, or "task<id>" if unknown.
func (tr *Trace) TaskName(id TaskID) string {
	if int(id) < len(tr.Tasks) && id >= 0 {
		return tr.Tasks[id]
	}
	return fmt.Sprintf("task%d", id)
}

// String renders the trace as a timeline: one line per step ("step, task,
// what it does") with the task's notes indented under it.
func (tr *Trace) String() string {
	if tr == nil {
		return "(no trace recorded)\n"
	}
	width := 4
	for _, n := range tr.Tasks {
		if len(n) > width {
			width = len(n)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%5s  %-*s  %s\n", "step", width, "task", "event")
	for _, e := range tr.Events {
		switch e.Kind {
		case StepEvent:
			fmt.Fprintf(&b, "%5d  %-*s  %s\n", e.Step, width, tr.TaskName(e.Task), e.Text)
		case NoteEvent:
			fmt.Fprintf(&b, "%5s  %-*s    · %s\n", "", width, "", e.Text)
		}
	}
	return b.String()
}

// Hash returns a stable hash of the trace: FNV-1a (64 bits) over its text
// form, as 16 hex digits. Two runs with the same hash did the same steps
// and noted the same things.
func (tr *Trace) Hash() string {
	h := fnv.New64a()
	h.Write([]byte(tr.String()))
	return fmt.Sprintf("%016x", h.Sum64())
}
