package dlv

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestTraceRecordsHitsInOrder(t *testing.T) {
	dlv, bin := dlvPath(t), targetBinary(t)
	checkClean(t, bin)

	var live []Hit
	res, err := Trace(context.Background(), TraceConfig{
		Dlv:    dlv,
		Binary: bin,
		Args:   []string{"-test.run=^TestTarget$", "-test.v"},
		Breakpoints: []Breakpoint{{
			Function: targetPkg + ".step",
			Name:     "step",
			Vars:     []string{"id", "ids", "len(ids)"},
		}},
		OnHit: func(h Hit) { live = append(live, h) },
	})
	require.NoError(t, err)
	require.True(t, res.Exited)
	require.Equal(t, 0, res.ExitStatus)
	require.Contains(t, res.Stdout, "target: done ids=[1 11 2 12 3 13]\n")
	require.Contains(t, res.Stdout, "PASS")
	require.NotContains(t, res.Stdout, "API server listening")
	require.Contains(t, res.DlvLog, "API server listening at: 127.0.0.1:")

	// The two goroutines strictly alternate: a b a b a b.
	wantIDs := []string{"1", "11", "2", "12", "3", "13"}
	require.Len(t, res.Hits, len(wantIDs), res.Text())
	require.Equal(t, res.Hits, live, "OnHit sees every hit as recorded")
	ga, gb := res.Hits[0].GoroutineID, res.Hits[1].GoroutineID
	require.NotZero(t, ga)
	require.NotZero(t, gb)
	require.NotEqual(t, ga, gb)
	for i, h := range res.Hits {
		require.Equal(t, i+1, h.Seq)
		require.Equal(t, "step", h.Name)
		require.Equal(t, targetPkg+".step", h.Function)
		require.True(t, strings.HasSuffix(h.File, "testdata/target/target_test.go"), h.File)
		require.Positive(t, h.Line)
		if i%2 == 0 {
			require.Equal(t, ga, h.GoroutineID, "hit %d", i+1)
		} else {
			require.Equal(t, gb, h.GoroutineID, "hit %d", i+1)
		}
		require.Equal(t, []Var{
			{Expr: "id", Value: wantIDs[i]},
			{Expr: "ids", Value: "[" + strings.Join(wantIDs[:i+1], " ") + "]"},
			{Expr: "len(ids)", Value: fmt.Sprint(i + 1)},
		}, h.Vars, "hit %d", i+1)
	}

	lines := strings.Split(strings.TrimSuffix(res.Text(), "\n"), "\n")
	require.Len(t, lines, 6)
	require.Equal(t, fmt.Sprintf("#1  g%d  target.step  id=1 ids=[1] len(ids)=1", ga), lines[0])
	require.Equal(t, fmt.Sprintf("#6  g%d  target.step  id=13 ids=[1 11 2 12 3 13] len(ids)=6", gb), lines[5])

	data, err := json.Marshal(res)
	require.NoError(t, err)
	var generic map[string]any
	require.NoError(t, json.Unmarshal(data, &generic))
	require.Contains(t, generic, "exit_status")
	hit0 := generic["hits"].([]any)[0].(map[string]any)
	require.Equal(t, float64(ga), hit0["goroutine_id"])
	require.Equal(t, map[string]any{"expr": "id", "value": "1"}, hit0["vars"].([]any)[0])
}

func TestTraceShortNameAndEvalErrors(t *testing.T) {
	dlv, bin := dlvPath(t), targetBinary(t)
	checkClean(t, bin)

	res, err := Trace(context.Background(), TraceConfig{
		Dlv:    dlv,
		Binary: bin,
		Args:   []string{"-test.run=^TestTarget$"},
		Breakpoints: []Breakpoint{{
			Function: "target.step", // unique suffix, resolved to the full name
			Vars:     []string{"nosuchvar", "ids[0]", "ids[len(ids)-1]"},
		}},
	})
	require.NoError(t, err)
	require.Equal(t, 0, res.ExitStatus)
	require.Len(t, res.Hits, 6)
	last := res.Hits[5]
	require.Equal(t, "bp1", last.Name)
	require.Equal(t, targetPkg+".step", last.Function)
	require.Len(t, last.Vars, 3)
	require.Equal(t, "nosuchvar", last.Vars[0].Expr)
	require.True(t, strings.HasPrefix(last.Vars[0].Value, "<error: "), last.Vars[0].Value)
	require.Contains(t, last.Vars[0].Value, "nosuchvar")
	require.Equal(t, Var{Expr: "ids[0]", Value: "1"}, last.Vars[1])
	require.Equal(t, Var{Expr: "ids[len(ids)-1]", Value: "13"}, last.Vars[2])
}

func TestTraceUnknownFunction(t *testing.T) {
	dlv, bin := dlvPath(t), targetBinary(t)
	checkClean(t, bin)

	res, err := Trace(context.Background(), TraceConfig{
		Dlv:    dlv,
		Binary: bin,
		Breakpoints: []Breakpoint{
			{Function: targetPkg + ".step"},
			{Function: targetPkg + ".doesNotExist", Name: "missing"},
		},
	})
	require.Error(t, err)
	require.Nil(t, res)
	require.Contains(t, err.Error(), "breakpoint missing")
	require.Contains(t, err.Error(), `function "`+targetPkg+`.doesNotExist" not found in target.test`)
	t.Logf("error: %v", err)
}

func TestTraceFailingAndPanickingPrograms(t *testing.T) {
	dlv, bin := dlvPath(t), targetBinary(t)
	checkClean(t, bin)

	// A failing test is a result, not an error: exit status 1.
	res, err := Trace(context.Background(), TraceConfig{
		Dlv:         dlv,
		Binary:      bin,
		Args:        []string{"-test.run=^TestFail$"},
		Env:         []string{"DLV_TARGET_FAIL=1"},
		Breakpoints: []Breakpoint{{Function: targetPkg + ".step", Vars: []string{"id", "ids"}}},
	})
	require.NoError(t, err)
	require.True(t, res.Exited)
	require.Equal(t, 1, res.ExitStatus)
	require.Contains(t, res.Stdout, "failing on purpose")
	require.Contains(t, res.Stdout, "FAIL")
	require.Len(t, res.Hits, 1)
	require.Equal(t, []Var{{Expr: "id", Value: "99"}, {Expr: "ids", Value: "[99]"}}, res.Hits[0].Vars)

	// An unrecovered panic shows up as Delve's own stop, then exit 2.
	res, err = Trace(context.Background(), TraceConfig{
		Dlv:    dlv,
		Binary: bin,
		Args:   []string{"-test.run=^TestPanic$"},
		Env:    []string{"DLV_TARGET_PANIC=1"},
	})
	require.NoError(t, err)
	require.True(t, res.Exited)
	require.Equal(t, 2, res.ExitStatus, "%+v", res)
	require.Contains(t, res.Stderr, "panic: boom")
	require.Len(t, res.Hits, 1, res.Text())
	require.Equal(t, "unrecovered-panic", res.Hits[0].Name)
	require.Empty(t, res.Hits[0].Vars)
	t.Logf("panic stop: %+v", res.Hits[0])
}

func TestTraceMaxHits(t *testing.T) {
	dlv, bin := dlvPath(t), targetBinary(t)
	checkClean(t, bin)

	res, err := Trace(context.Background(), TraceConfig{
		Dlv:         dlv,
		Binary:      bin,
		Args:        []string{"-test.run=^TestTarget$"},
		Breakpoints: []Breakpoint{{Function: targetPkg + ".step", Vars: []string{"id"}}},
		MaxHits:     2,
	})
	require.ErrorIs(t, err, ErrTooManyHits)
	require.NotNil(t, res)
	require.Len(t, res.Hits, 2)
	require.False(t, res.Exited)
	require.Equal(t, "11", res.Hits[1].Vars[0].Value)
}

func TestTraceCancelKillsDlvAndProgram(t *testing.T) {
	dlv, bin := dlvPath(t), targetBinary(t)
	checkClean(t, bin)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cancelledAt time.Time
	var procs []string
	var res *TraceResult
	var err error
	// The program sleeps for an hour: Trace returns because of the cancel.
	returnsWithin(t, "Trace, cancelled while the program sleeps,", func() {
		res, err = Trace(ctx, TraceConfig{
			Dlv:         dlv,
			Binary:      bin,
			Args:        []string{"-test.run=^TestSleep$"},
			Env:         []string{"DLV_TARGET_SLEEP=cancel"},
			Breakpoints: []Breakpoint{{Function: targetPkg + ".beforeSleep", Vars: []string{"label"}}},
			OnHit: func(Hit) {
				// Both dlv and the program are visible to the process check.
				procs = processesRunning(bin)
				// Cancel while the program sleeps inside a Continue.
				time.AfterFunc(500*time.Millisecond, func() {
					cancelledAt = time.Now()
					cancel()
				})
			},
		})
	})
	returned := time.Now()
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, cancelledAt.IsZero(), "Trace returned before the cancel")
	require.NotNil(t, res)
	require.Len(t, res.Hits, 1)
	require.Equal(t, `"cancel"`, res.Hits[0].Vars[0].Value)
	require.False(t, res.Exited)
	require.Contains(t, res.Stdout, "sleeping: cancel")
	require.Len(t, procs, 2, "dlv and the program while running: %q", procs)
	t.Logf("returned %v after cancel", returned.Sub(cancelledAt))
}

func TestTraceTimeout(t *testing.T) {
	dlv, bin := dlvPath(t), targetBinary(t)
	checkClean(t, bin)

	var res *TraceResult
	var err error
	returnsWithin(t, "Trace with a Timeout", func() {
		res, err = Trace(context.Background(), TraceConfig{
			Dlv:     dlv,
			Binary:  bin,
			Args:    []string{"-test.run=^TestSleep$"},
			Env:     []string{"DLV_TARGET_SLEEP=timeout"},
			Timeout: 3 * time.Second,
		})
	})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Contains(t, err.Error(), "timed out after 3s")
	require.NotNil(t, res)
	require.Contains(t, res.Stdout, "sleeping: timeout")
}

func TestTraceCancelledBeforeStart(t *testing.T) {
	dlv, bin := dlvPath(t), targetBinary(t)
	checkClean(t, bin)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Trace(ctx, TraceConfig{Dlv: dlv, Binary: bin})
	require.ErrorIs(t, err, context.Canceled)
}

func TestTraceBadConfig(t *testing.T) {
	_, err := Trace(context.Background(), TraceConfig{Dlv: "/nonexistent/dlv", Binary: "x"})
	require.ErrorIs(t, err, ErrNotFound)

	dlv := dlvPath(t)
	_, err = Trace(context.Background(), TraceConfig{Dlv: dlv, Binary: "/nonexistent/binary"})
	require.ErrorContains(t, err, "/nonexistent/binary")

	_, err = Trace(context.Background(), TraceConfig{Dlv: dlv, Binary: "x", Breakpoints: []Breakpoint{{Function: "f", Name: "a-b"}}})
	require.ErrorContains(t, err, `invalid name "a-b"`)

	_, err = Trace(context.Background(), TraceConfig{Dlv: dlv, Binary: "x", Breakpoints: []Breakpoint{{Function: "f", Name: "x"}, {Function: "g", Name: "x"}}})
	require.ErrorContains(t, err, `duplicate name "x"`)
}

// Cancellation at any point, start-up included, leaves nothing behind.
func TestTraceCancelAtAnyTime(t *testing.T) {
	dlv, bin := dlvPath(t), targetBinary(t)
	for _, d := range []time.Duration{0, 5 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond,
		80 * time.Millisecond, 120 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond} {
		t.Run(d.String(), func(t *testing.T) {
			checkClean(t, bin)
			ctx, cancel := context.WithTimeout(context.Background(), d)
			defer cancel()
			var err error
			returnsWithin(t, "Trace past its deadline", func() {
				_, err = Trace(ctx, TraceConfig{
					Dlv:         dlv,
					Binary:      bin,
					Args:        []string{"-test.run=^TestSleep$"},
					Env:         []string{"DLV_TARGET_SLEEP=any"},
					Breakpoints: []Breakpoint{{Function: targetPkg + ".beforeSleep", Vars: []string{"label"}}},
				})
			})
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.NotContains(t, err.Error(), "timed out after", "the caller's deadline, not Timeout")
		})
	}
}

// Goroutines that hit breakpoints in the same stop are all recorded:
// Delve steps every one of them over its breakpoint on the next continue.
func TestTraceConcurrentHitsAllRecorded(t *testing.T) {
	dlv, bin := dlvPath(t), targetBinary(t)
	checkClean(t, bin)

	res, err := Trace(context.Background(), TraceConfig{
		Dlv:         dlv,
		Binary:      bin,
		Args:        []string{"-test.run=^TestConcurrent$", "-test.cpu=4"},
		Breakpoints: []Breakpoint{{Function: targetPkg + ".spin", Vars: []string{"g", "i"}}},
	})
	require.NoError(t, err)
	require.Equal(t, 0, res.ExitStatus)
	require.Contains(t, res.Stdout, "concurrent: done")
	require.Len(t, res.Hits, 100)
	seen := map[string]bool{}
	perG := map[string][]string{}
	for _, h := range res.Hits {
		g, i := h.Vars[0].Value, h.Vars[1].Value
		key := g + "/" + i
		require.False(t, seen[key], "hit %s recorded twice", key)
		seen[key] = true
		perG[g] = append(perG[g], i)
	}
	require.Len(t, perG, 4)
	for g, is := range perG {
		for i, v := range is {
			require.Equal(t, fmt.Sprint(i), v, "goroutine %s: calls in order", g)
		}
	}
}
