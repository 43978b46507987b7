package timeline

import (
	"slices"

	"github.com/interleave/interleave/sched"
)

// FromTrace converts a scheduler trace into a run's lanes and steps: one
// lane per task, one step per step of the trace, each note attached to the
// step it was made in. When the trace holds runnable sets (recorded with
// sched.Options.Runnable), a step whose task took over from one that could
// have gone on is marked Preempted; without them no step is. The caller
// adds the title, verdict, events, state and reproduction.
func FromTrace(tr *sched.Trace) Run {
	var r Run
	if tr == nil {
		return r
	}
	r.Lanes = make([]Lane, len(tr.Tasks))
	for i, name := range tr.Tasks {
		r.Lanes[i] = Lane{Name: name}
	}
	prev := sched.TaskID(-1)
	for _, e := range tr.Events {
		switch e.Kind {
		case sched.StepEvent:
			s := Step{Lane: int(e.Task), Label: e.Text}
			s.Preempted = prev >= 0 && e.Task != prev && slices.Contains(e.Runnable, prev)
			r.Steps = append(r.Steps, s)
			prev = e.Task
		case sched.NoteEvent:
			if n := len(r.Steps); n > 0 {
				r.Steps[n-1].Notes = append(r.Steps[n-1].Notes, e.Text)
			}
		}
	}
	return r
}
