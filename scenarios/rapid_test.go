package scenarios_test

import (
	"flag"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/scenarios"
	"github.com/interleave/interleave/sched"
)

// promoteByID is the promote workload with the catch-up query ordered by
// id.
func promoteByID(p harness.PromoteParams) harness.Workload {
	wl := harness.PromoteWhileRequiresAction(p)
	wl.Config.DB.OrderByID = true
	return wl
}

// promoteCase is what one run of the rapid property drew and found.
type promoteCase struct {
	toolCalls, ticks int
	afterSnapshot    int // messages committed after the subscriber's snapshot
	preemptions      int
	failed           bool
	story, schedule  string
	raw              *sched.Schedule
}

// promoteProperty draws the workload (tool calls, worker ticks) and every
// scheduling decision from rapid: option 0 continues the running task, so
// rapid's shrinking towards 0 removes preemptions, and towards small tool
// call counts removes messages. A violation fails the property with our
// timeline of the run; last, if set, records each failing case. The
// catch-up query orders by id (the later upstream change), so that what is
// checked is the stream's race, not the order of the stored history
// (ordered by created_at, the promote's rows tie and every strategy can
// fail that, see scenario promote-while-requires-action).
func promoteProperty(strategy harness.Design, last func(promoteCase)) func(*rapid.T) {
	return func(t *rapid.T) {
		c := promoteCase{
			toolCalls: rapid.IntRange(1, 3).Draw(t, "toolCalls"),
			ticks:     rapid.IntRange(0, 2).Draw(t, "ticks"),
		}
		wl := promoteByID(harness.PromoteParams{ToolCalls: c.toolCalls, Ticks: c.ticks})
		choose := sched.Chooser(func(n int) int { return rapid.IntRange(0, n-1).Draw(t, "choice") })
		var out harness.Outcome
		res := sched.Run(wl.Body(strategy, &out), sched.Options{Strategy: choose})
		if res.Failure != nil && res.Failure.Kind == sched.Panic {
			panic(res.Failure.Value) // rapid's own control flow, or a model bug: rapid reports both
		}
		if res.Failure == nil {
			return
		}
		c.failed = true
		c.afterSnapshot = c.toolCalls + 2 // synthetic rows, the promoted row, the reply
		c.preemptions = res.Preemptions
		// Replay the failing schedule with the trace on, for the story.
		traced := sched.Run(wl.Body(strategy, nil), sched.Options{Strategy: sched.Replay(res.Schedule), Trace: true})
		var b strings.Builder
		for _, e := range traced.Trace.Events {
			if e.Kind == sched.NoteEvent {
				fmt.Fprintf(&b, "step %3d  %-16s %s\n", e.Step, traced.Trace.TaskName(e.Task), e.Text)
			}
		}
		c.story, c.schedule, c.raw = b.String(), res.Schedule.String(), res.Schedule
		if last != nil {
			last(c)
		}
		t.Fatalf("%s: %v\n%d tool calls, %d preemptions; the run in words:\n%sschedule:\n%s",
			strategy.Name(), res.Failure, c.toolCalls, c.preemptions, c.story, c.schedule)
	}
}

func TestRapidFixedHolds(t *testing.T) {
	rapid.Check(t, promoteProperty(harness.Fixed{}, nil))
}

// recordingTB is a rapid.TB that keeps rapid's report instead of failing
// the test, so a test can assert on what rapid shrank to.
type recordingTB struct {
	*testing.T
	mu     sync.Mutex
	failed bool
	out    strings.Builder
}

func (r *recordingTB) Errorf(format string, args ...any) { r.fail(fmt.Sprintf(format, args...)) }
func (r *recordingTB) Error(args ...any)                 { r.fail(fmt.Sprint(args...)) }
func (r *recordingTB) Fatalf(format string, args ...any) { r.fail(fmt.Sprintf(format, args...)) }
func (r *recordingTB) Fatal(args ...any)                 { r.fail(fmt.Sprint(args...)) }
func (r *recordingTB) Fail()                             { r.fail("") }
func (r *recordingTB) FailNow()                          { r.fail("") }
func (r *recordingTB) Logf(format string, args ...any)   { r.log(fmt.Sprintf(format, args...)) }
func (r *recordingTB) Log(args ...any)                   { r.log(fmt.Sprint(args...)) }
func (r *recordingTB) Failed() bool                      { r.mu.Lock(); defer r.mu.Unlock(); return r.failed }
func (r *recordingTB) fail(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	r.out.WriteString(msg + "\n")
}
func (r *recordingTB) log(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.out.WriteString(msg + "\n")
}

func TestRapidShrinksNaiveToAMinimalInterleaving(t *testing.T) {
	// No fail file: this test expects the failure and must not leave files.
	// A fixed seed: the test asserts what one search finds, every time.
	// Rapid stops shrinking after rapid.shrinktime (30 s by default) of
	// wall time, which a loaded machine under -race reaches with the case
	// half shrunk: a limit far above the few seconds it needs keeps the
	// result a function of the seed alone.
	for k, v := range map[string]string{"rapid.nofailfile": "true", "rapid.seed": "1", "rapid.shrinktime": "1h"} {
		old := flag.Lookup(k).Value.String()
		require.NoError(t, flag.Set(k, v))
		defer flag.Set(k, old)
	}

	var minimal promoteCase
	tb := &recordingTB{T: t}
	rapid.Check(tb, promoteProperty(harness.Naive{}, func(c promoteCase) { minimal = c }))
	require.True(t, tb.Failed(), "rapid found no failure for naive")
	report := tb.out.String()
	require.Contains(t, report, "To reproduce, specify -run=")
	require.Contains(t, report, "exactly once")
	// The last failing run is rapid's final, shrunk case: rapid shrinks
	// the workload (tool calls) and the draws; sched.Shrink then removes
	// the preemptions rapid's value shrinking left in.
	require.True(t, minimal.failed)
	require.LessOrEqual(t, minimal.afterSnapshot, 3, "shrunk case has too many messages")
	wl := promoteByID(harness.PromoteParams{ToolCalls: minimal.toolCalls, Ticks: minimal.ticks})
	small := sched.Shrink(wl.Body(harness.Naive{}, nil), minimal.raw, func(r *sched.Result) bool { return r.Failure.Kind == sched.Assertion }, sched.Options{Trace: true})
	require.NotNil(t, small.Failure)
	t.Logf("rapid shrank naive's failure to %d tool call(s), %d messages after the snapshot, %d preemption(s); sched.Shrink to %d preemption(s):\n%s\n%s",
		minimal.toolCalls, minimal.afterSnapshot, minimal.preemptions, small.Preemptions, small.Failure, small.Trace)
	require.LessOrEqual(t, small.Preemptions, 2, "shrunk case has too many preemptions")
	require.Contains(t, minimal.story, "cache append")
	require.Contains(t, minimal.story, "lastMessageID")
}

// FuzzSchedules is the rapid property as a go test -fuzz target, so that
// coverage-guided fuzzing explores workloads and schedules too:
//
//	go test ./scenarios -run '^$' -fuzz FuzzSchedules -fuzztime 30s
//
// Without -fuzz it runs its seed corpus like any test.
func FuzzSchedules(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("interleave"))
	f.Fuzz(rapid.MakeFuzz(promoteProperty(harness.Fixed{}, nil)))
}

func TestScenarioNamesAndStrategiesResolve(t *testing.T) {
	for _, n := range scenarios.Names() {
		sc, err := scenarios.Lookup(n)
		require.NoError(t, err)
		require.Equal(t, n, sc.Name)
		require.NotEmpty(t, sc.Doc)
	}
	_, err := scenarios.Lookup("no-such")
	require.EqualError(t, err, `unknown scenario "no-such" (known: promote-while-requires-action, promote-while-requires-action-by-id, out-of-order, reconnect-late-notify, cross-replica-fallback, cache-eviction, full-refresh-edit, two-chats, snapshot-order, snapshot-order-by-id, random-workload; or give a path to a scenario file)`)
	_, err = scenarios.LookupStrategy("nope")
	require.EqualError(t, err, `unknown strategy "nope" (known: naive, fixed-r1, fixed, producer-lock, stream-loop; a merge strategy under the stream loop's oracle: NAME+convergence)`)
	_, err = scenarios.ParseSearch("bfs", 3, 2)
	require.EqualError(t, err, `unknown search "bfs" (known: random, pct, dfs, dpor)`)
}
