package sched

// TaskID identifies a task within one run. IDs are given in spawn order,
// starting at 0 for the main task, so they are the same in every run that
// makes the same choices.
type TaskID int

// DecisionKind says what a decision chooses.
type DecisionKind uint8

const (
	// PickTask chooses the next task to run among Decision.Runnable.
	PickTask DecisionKind = iota
	// PickValue chooses a value in [0, Decision.N) for Runtime.Choose.
	PickValue
)

// Decision is one choice the strategy must make. The scheduler asks only
// when there is a real choice: two or more runnable tasks, or N >= 2.
type Decision struct {
	Kind DecisionKind
	// Step is the number of the scheduling step being decided (1-based).
	Step int
	// Runnable lists the runnable tasks when Kind is PickTask. When Current
	// is true, Runnable[0] is the task that was running, and picking it does
	// not preempt; the other tasks follow in ascending ID order.
	Runnable []TaskID
	Current  bool
	// N is the number of values when Kind is PickValue.
	N int
}

// Options returns the number of options of the decision.
func (d *Decision) Options() int {
	if d.Kind == PickValue {
		return d.N
	}
	return len(d.Runnable)
}

// A Strategy makes the decisions of a run. A strategy is used by one run at
// a time and must itself be deterministic: the same sequence of decisions
// must get the same answers.
type Strategy interface {
	// Start begins a new run. It returns false when the strategy has no
	// more runs to offer (an exhausted DFS, a replay already used).
	Start() bool
	// Next returns the chosen index: into d.Runnable for PickTask, or a
	// value in [0, d.N) for PickValue. An error ends the run as a failure.
	Next(d *Decision) (int, error)
}

// Finisher is implemented by strategies that can tell, once a run has ended
// normally, that it did not go as they expected (a replay with choices left
// over).
type Finisher interface {
	Finish() error
}

// builtIn is implemented by this package's strategies that run no outside
// code (all but Chooser). They panic only on an engine bug, so the
// scheduler calls them without the guard that turns the panic of an
// outside source of decisions into a failure (Runtime.ask): a panic of
// theirs is reported as the running task's.
type builtIn interface{ builtIn() }

func (*randomStrategy) builtIn() {}
func (*pctStrategy) builtIn()    {}
func (*DFSStrategy) builtIn()    {}
func (*replayStrategy) builtIn() {}
func (*guidedStrategy) builtIn() {}

// guarded reports whether the scheduler must guard s's decisions against
// panics: s is not one of this package's strategies, or wraps a Chooser.
func guarded(s Strategy) bool {
	if st, ok := s.(started); ok {
		s = st.Strategy
	}
	_, ok := s.(builtIn)
	return !ok
}
