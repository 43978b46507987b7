package sched

import (
	"fmt"
	"strings"
)

// FailureKind classifies why a run failed.
type FailureKind uint8

const (
	// Deadlock: no task could run while some were blocked.
	Deadlock FailureKind = iota + 1
	// StepLimit: the run took more than Options.MaxSteps steps.
	StepLimit
	// Panic: a task panicked.
	Panic
	// Assertion: a task called Runtime.Failf.
	Assertion
	// Divergence: a replayed run did not follow its schedule, or the code
	// under test behaved differently on the same schedule.
	Divergence
	// StrategyError: the strategy could not decide (an engine bug, or a
	// strategy with no runs left).
	StrategyError
	// Timeout: a wild run did not finish in time.
	Timeout
	// Fatal: a misuse that is a fatal error in Go, which no recover can
	// catch (unlock of an unlocked mutex).
	Fatal
	// Stall: the running task blocked outside the scheduler's view for
	// Options.StallTimeout.
	Stall
)

func (k FailureKind) String() string {
	switch k {
	case Deadlock:
		return "deadlock"
	case StepLimit:
		return "step limit"
	case Panic:
		return "panic"
	case Assertion:
		return "assertion"
	case Divergence:
		return "divergence"
	case StrategyError:
		return "strategy error"
	case Timeout:
		return "timeout"
	case Fatal:
		return "fatal error"
	case Stall:
		return "stall"
	}
	return fmt.Sprintf("FailureKind(%d)", uint8(k))
}

// Failure is a failed run: what went wrong, where, and the schedule that
// makes it happen again.
type Failure struct {
	Kind FailureKind
	// Msg is the one-line diagnosis.
	Msg string
	// Step is the scheduling step at which the failure was detected.
	Step int
	// Task names the task that failed (panic, assertion), if any.
	Task string
	// Value and Stack are the panic value and the task's stack for Panic.
	Value any
	Stack string
	// Blocked lists, for Deadlock, each blocked task and what it waits for.
	Blocked []BlockedTask
	// Schedule replays the run up to the failure; Trace is its timeline
	// when the run was traced.
	Schedule *Schedule
	Trace    *Trace
}

// BlockedTask is one task of a deadlock.
type BlockedTask struct {
	Task    string
	WaitsOn string
}

// Error returns the one-line diagnosis with the failure's kind and step.
func (f *Failure) Error() string {
	return fmt.Sprintf("%s at step %d: %s", f.Kind, f.Step, f.Msg)
}

// blocker describes what a blocked task waits for, for deadlock reports.
// Describing is done only when a deadlock is reported.
type blocker interface {
	describe() string
}

func (rt *Runtime) deadlock() *Failure {
	var bs []BlockedTask
	for _, t := range rt.tasks {
		if t.state != blocked {
			continue
		}
		what := "an unknown wait"
		if t.blockedOn != nil {
			what = t.blockedOn.describe()
		}
		bs = append(bs, BlockedTask{Task: t.name, WaitsOn: what})
	}
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = b.Task + " waits for " + b.WaitsOn
	}
	noun := "tasks"
	if len(bs) == 1 {
		noun = "task"
	}
	msg := fmt.Sprintf("%d %s blocked, none runnable: %s", len(bs), noun, strings.Join(parts, "; "))
	if len(rt.clock.pending) > 0 && rt.tasks[0].state == done {
		msg += " (main has returned, so the virtual clock stands still: the blocked tasks leak)"
	}
	return &Failure{Kind: Deadlock, Blocked: bs, Msg: msg}
}

type joinWait struct{ t *task }

func (j joinWait) describe() string {
	return fmt.Sprintf("task %s to finish (it is at %q)", j.t.name, j.t.label)
}

// divergenceError is a strategy's report that the run does not follow the
// choices it expected (a replay, or a DFS prefix): a Divergence, not an
// engine problem.
type divergenceError struct{ msg string }

func (e *divergenceError) Error() string { return e.msg }

func diverged(format string, args ...any) error {
	return &divergenceError{fmt.Sprintf(format, args...)}
}

// strategyPanic is a panic raised by a strategy's Next.
type strategyPanic struct {
	value any
	stack string
}

func (p *strategyPanic) Error() string { return fmt.Sprintf("panic in the strategy: %v", p.value) }

func strategyFailure(err error) *Failure {
	if p, ok := err.(*strategyPanic); ok {
		return &Failure{Kind: Panic, Value: p.value, Stack: p.stack, Msg: p.Error()}
	}
	if _, ok := err.(*divergenceError); ok {
		return &Failure{Kind: Divergence, Msg: err.Error()}
	}
	return &Failure{Kind: StrategyError, Msg: err.Error()}
}
