package harness

import (
	"fmt"
	"slices"
	"strings"
)

// Design is one design of the chat stream, the pluggable unit the harness
// checks: what a stream does from its subscribe on (its start, its
// handling of each notify, its state), and, through the optional
// interfaces below, what writers publish after a commit and which oracle
// judges it. A design is either a MergeStrategy, the merge goroutine of
// chatd-model.md §5 with its catch-up logic plugged in (naive, fixed-r1,
// fixed, producer-lock), or a StreamDesign, which runs its streams itself
// (the stream loop of stream-loop.md). They are peers: the same scenarios,
// worlds and searches run any of them. A user can plug in a design of
// either kind.
type Design interface {
	// Name is the design's short name, as used on the command line.
	Name() string
}

// StreamDesign is a design that runs its streams itself.
type StreamDesign interface {
	Design
	// NewStream returns the handler of a new stream s. It is called when
	// s subscribes to the chat's pubsub channel (§5.1), before any read;
	// Start follows, possibly after other tasks ran.
	NewStream(s *Subscriber) StreamHandler
}

// StreamHandler is one stream of a StreamDesign: its state and its tasks.
// It talks to its client through the Subscriber (Deliver, Send, Notef,
// ...).
type StreamHandler interface {
	// Notify is the pubsub callback: a notify (err nil), or a listener
	// error such as ErrDropped. It runs on the listener's task, in commit
	// order, and may block.
	Notify(n Notify, err error)
	// Start reads what the stream starts with and starts its tasks. It is
	// called once, from a task of the run.
	Start() error
	// Close ends the stream's tasks and waits for them. When the world
	// settles (nothing more is published, and the stream has not ended)
	// they first handle everything queued; when the stream has ended (the
	// client left, or the stream closed itself) they stop at once.
	Close()
}

// HintPublisher is implemented by designs whose writers publish, after
// each commit, one hint with the chat's new versions, instead of
// publishMessage and the status and queue notifies (stream-loop.md §1).
type HintPublisher interface {
	PublishesHints() bool
}

// Oracle names an oracle: the one that judges a run.
type Oracle string

const (
	// OracleDelivery is chatd-model.md §7 and §10: every visible message
	// delivered exactly once, nothing below the floor, no phantom
	// (CheckClient). It judges the merge strategies.
	OracleDelivery Oracle = "delivery"
	// OracleConvergence is stream-loop.md §4: the client's view,
	// replayed as upserts by ID, converges to the database's visible
	// (ID, revision) rows; no (ID, revision) twice in an epoch; no
	// revision regression; ID order within a sync when the database
	// orders by id; no phantom (CheckConvergence). It judges the stream
	// loop, and the merge strategies on request: an edit is then a new
	// revision they must deliver.
	OracleConvergence Oracle = "convergence"
)

// Oracles lists the oracles.
var Oracles = []Oracle{OracleDelivery, OracleConvergence}

// Judged is implemented by designs that name the oracle judging them when
// no other is asked for (the default is OracleDelivery).
type Judged interface {
	Oracle() Oracle
}

// OracleOf returns the oracle that judges d by default.
func OracleOf(d Design) Oracle {
	if j, ok := d.(Judged); ok {
		return j.Oracle()
	}
	return OracleDelivery
}

// streamDesign returns d as a StreamDesign: a merge strategy runs in the
// merge goroutine of §5.
func streamDesign(d Design) StreamDesign {
	switch d := d.(type) {
	case StreamDesign:
		return d
	// The built-in merges, boxed once.
	case Naive:
		return builtinStreams[0]
	case FixedR1:
		return builtinStreams[1]
	case Fixed:
		return builtinStreams[2]
	case ProducerLock:
		return builtinStreams[3]
	case MergeStrategy:
		return mergeDesign{d}
	}
	panic(fmt.Sprintf("harness: design %q (%T) is neither a MergeStrategy nor a StreamDesign", d.Name(), d))
}

// builtinStreams are the built-in merges as StreamDesigns.
var builtinStreams = [...]StreamDesign{mergeDesign{Naive{}}, mergeDesign{FixedR1{}}, mergeDesign{Fixed{}}, mergeDesign{ProducerLock{}}}

// Strategies returns the built-in designs, in the order the design pages
// give them: the four merge strategies, then the stream loop.
func Strategies() []Design {
	return []Design{Naive{}, FixedR1{}, Fixed{}, ProducerLock{}, StreamLoop{}}
}

// StrategyByName returns the built-in design with this name, or, for
// "NAME+ORACLE", that design judged by another oracle than its own
// (JudgedBy): "fixed+convergence" is fixed under the stream loop's
// oracle.
func StrategyByName(name string) (Design, bool) {
	base, oracle, judged := strings.Cut(name, "+")
	for _, s := range Strategies() {
		if s.Name() != base {
			continue
		}
		if !judged {
			return s, true
		}
		o := Oracle(oracle)
		if !slices.Contains(Oracles, o) || o == OracleOf(s) {
			return nil, false
		}
		return JudgedBy(s, o), true
	}
	return nil, false
}

// JudgedBy returns design d judged by oracle o instead of its own: the
// same design, named "NAME+ORACLE" (Workload.Body runs Base(d) and sets
// the world's oracle).
func JudgedBy(d Design, o Oracle) Design {
	return judged{base: Base(d), oracle: o}
}

// Base returns the design a JudgedBy design judges (d itself otherwise).
func Base(d Design) Design {
	if j, ok := d.(judged); ok {
		return j.base
	}
	return d
}

type judged struct {
	base   Design
	oracle Oracle
}

func (j judged) Name() string   { return j.base.Name() + "+" + string(j.oracle) }
func (j judged) Oracle() Oracle { return j.oracle }
