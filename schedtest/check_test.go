package schedtest_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/interleave/interleave/sched"
	"github.com/interleave/interleave/schedtest"
	"github.com/interleave/interleave/std/sync"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// counter is the lost update, ported: two increments of a counter read and
// written under a lock each, but not as one critical section.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) get() int  { c.mu.Lock(); defer c.mu.Unlock(); return c.n }
func (c *counter) set(n int) { c.mu.Lock(); c.n = n; c.mu.Unlock() }

func (c *counter) incRacy() { c.set(c.get() + 1) }
func (c *counter) inc()     { c.mu.Lock(); c.n++; c.mu.Unlock() }

func twoIncrements(inc func(*counter)) func(rt *sched.Runtime) {
	return func(rt *sched.Runtime) {
		var c counter
		var wg sync.WaitGroup
		wg.Go(func() { inc(&c) })
		wg.Go(func() { inc(&c) })
		wg.Wait()
		rt.Notef("counter = %d", c.get())
		if n := c.get(); n != 2 {
			rt.Failf("lost update: counter = %d, want 2", n)
		}
	}
}

// helper runs the failing tests below only when the outer tests ask.
func helper(t *testing.T) {
	if os.Getenv("SCHEDTEST_HELPER") != "1" {
		t.Skip("run by the tests that check what a failure prints")
	}
}

func TestHelperLostUpdate(t *testing.T) {
	helper(t)
	schedtest.Check(t, twoIncrements((*counter).incRacy))
}

func TestHelperFixed(t *testing.T) {
	helper(t)
	schedtest.Check(t, twoIncrements((*counter).inc))
}

func TestHelperSubtests(t *testing.T) {
	helper(t)
	for _, name := range []string{"a b", "../up"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			schedtest.Check(t, twoIncrements((*counter).incRacy))
		})
	}
}

// child runs this test binary on one helper test and returns its output.
func child(t *testing.T, args ...string) (string, error) {
	cmd := exec.Command(os.Args[0], append([]string{"-test.v", "-test.count=1"}, args...)...)
	cmd.Env = append(os.Environ(), "SCHEDTEST_HELPER=1", "INTERLEAVE_STRESS=1")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

var (
	hashRE   = regexp.MustCompile(`trace hash ([0-9a-f]{16})`)
	replayRE = regexp.MustCompile(`(?m)To rerun the shrunk schedule: (go test \S+ -run \S+ -count=1 -interleave\.replay=(\S+))$`)
	seedRE   = regexp.MustCompile(`(?m)To rerun the schedule as found: (go test .*)$`)
)

func TestFailureIsFoundShrunkSavedAndReplayed(t *testing.T) {
	dir := t.TempDir()
	out, err := child(t, "-test.run=^TestHelperLostUpdate$", "-interleave.save="+dir)
	require.Error(t, err, out)
	require.Contains(t, out, "interleave: schedule ")
	require.Contains(t, out, "of pct(d=3) fails: assertion at step")
	require.Contains(t, out, "lost update: counter = 1, want 2")
	require.Regexp(t, `(shrunk from \d+ preemptions? and \d+ steps to )?1 preemption and \d+ steps, trace hash`, out, "one preemption is all it takes")
	require.Regexp(t, `lock mutex#\d+ at check_test\.go:\d+`, out, "the story names the lines")
	require.Contains(t, out, "· counter = 1", "the story carries the notes")
	require.Contains(t, out, `INTERLEAVE-FAILURE {"debug":"go run github.com/interleave/interleave/cmd/interleave debug -pkg ./schedtest -run '^TestHelperLostUpdate$' -schedule `)
	require.Contains(t, out, `","repro":"go test ./schedtest -run '^TestHelperLostUpdate$' -count=1 -interleave.replay=`)
	require.Contains(t, out, `To debug it: go run github.com/interleave/interleave/cmd/interleave debug -pkg ./schedtest -run '^TestHelperLostUpdate$' -schedule `)

	m := replayRE.FindStringSubmatch(out)
	require.NotNil(t, m, out)
	path := m[2]
	require.Equal(t, filepath.Join(dir, "TestHelperLostUpdate", filepath.Base(path)), path)
	saved, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(saved), "@test TestHelperLostUpdate\n@search pct\n")
	require.Contains(t, string(saved), "@failure assertion\n")
	hash := hashRE.FindStringSubmatch(out)[1]

	// The replay flag reruns exactly the shrunk run.
	again, err := child(t, "-test.run=^TestHelperLostUpdate$", "-interleave.replay="+path)
	require.Error(t, err)
	require.Contains(t, again, "interleave: replayed "+path+": assertion at step")
	require.Equal(t, hash, hashRE.FindStringSubmatch(again)[1], again)

	// A later run replays the saved schedule first, and fails at once.
	later, err := child(t, "-test.run=^TestHelperLostUpdate$", "-interleave.save="+dir)
	require.Error(t, err)
	require.Contains(t, later, "interleave: saved schedule "+path+" still fails: assertion at step")
	require.Equal(t, hash, hashRE.FindStringSubmatch(later)[1])

	// The seed line reruns the schedule as found.
	seedLine := seedRE.FindStringSubmatch(out)[1]
	flags := strings.Fields(seedLine)[6:] // after go test ./schedtest -run X -count=1
	found, err := child(t, append([]string{"-test.run=^TestHelperLostUpdate$", "-interleave.save=" + t.TempDir()}, flags...)...)
	require.Error(t, err)
	require.Contains(t, found, "lost update: counter = 1, want 2")
}

func TestPrintedGoTestLineWorksFromTheModuleRoot(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the test binary again")
	}
	dir := t.TempDir()
	out, _ := child(t, "-test.run=^TestHelperLostUpdate$", "-interleave.save="+dir)
	m := replayRE.FindStringSubmatch(out)
	require.NotNil(t, m, out)
	cmd := exec.Command("sh", "-c", m[1])
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "SCHEDTEST_HELPER=1")
	got, err := cmd.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(got), "--- FAIL: TestHelperLostUpdate")
	require.Equal(t, hashRE.FindStringSubmatch(out)[1], hashRE.FindStringSubmatch(string(got))[1])
}

func TestSubtestsGetTheirOwnDirectories(t *testing.T) {
	dir := t.TempDir()
	out, err := child(t, "-test.run=^TestHelperSubtests$", "-interleave.save="+dir)
	require.Error(t, err)
	require.Contains(t, out, "-run '^TestHelperSubtests$/^a_b$'")
	require.Contains(t, out, `-run '^TestHelperSubtests$/^\.\.$/^up$'`, "go test splits a name with a slash into levels")
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.Dir(rel))
		}
		return nil
	})
	require.ElementsMatch(t, []string{"TestHelperSubtests/a_b", "TestHelperSubtests/__/up"}, files, "nothing escapes the save directory")
}

func TestBadSettingsAreOneLine(t *testing.T) {
	out, err := child(t, "-test.run=^TestHelperLostUpdate$", "-interleave.search=bfs")
	require.Error(t, err)
	require.Contains(t, out, `interleave: -interleave.search: unknown search "bfs" (known: random, pct, dfs)`)
	out, err = child(t, "-test.run=^TestHelperLostUpdate$", "-interleave.seed=9223372036854775807", "-interleave.schedules=5")
	require.Error(t, err)
	require.Contains(t, out, "interleave: -interleave.seed=9223372036854775807 with -interleave.schedules=5: seeds 9223372036854775807.. (5 of them) pass 9223372036854775807, the largest seed")
	out, err = child(t, "-test.run=^TestHelperLostUpdate$", "-interleave.replay=/nonexistent.schedule")
	require.Error(t, err)
	require.Contains(t, out, "interleave: -interleave.replay: open /nonexistent.schedule: no such file or directory")
}

func TestFixedVersionPassesEverySearch(t *testing.T) {
	for _, search := range []string{"random", "pct", "dfs"} {
		t.Run(search, func(t *testing.T) {
			t.Parallel()
			schedtest.Check(t, twoIncrements((*counter).inc), schedtest.Search(search), schedtest.Preemptions(-1), schedtest.SaveDir(t.TempDir()))
		})
	}
}

func TestWildMode(t *testing.T) {
	out, err := child(t, "-test.run=^TestHelperLostUpdate$", "-interleave.mode=wild", "-interleave.schedules=300")
	if err == nil {
		t.Skipf("300 wild runs did not lose an update (they may not): %s", out)
	}
	require.Contains(t, out, "interleave: wild run with seed")
	require.Contains(t, out, "Wild runs are not reproducible")
	require.Contains(t, out, "-interleave.mode=wild -interleave.seed=")
}

// recorder is a testing.TB that records what Check reports instead of
// failing the test that uses it.
type recorder struct {
	testing.TB
	name string
	logs []string
	fail string
}

func (r *recorder) Name() string { return r.name }
func (r *recorder) Helper()      {}
func (r *recorder) Logf(format string, args ...any) {
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.fail = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Fatal(args ...any) { r.fail = fmt.Sprint(args...); runtime.Goexit() }

// check runs Check with a recorder in a goroutine of its own (Fatal ends
// the goroutine, as it does a test's).
func check(t *testing.T, name string, body func(rt *sched.Runtime), opts ...schedtest.Option) *recorder {
	r := &recorder{TB: t, name: name}
	done := make(chan struct{})
	go func() {
		defer close(done)
		schedtest.Check(r, body, opts...)
	}()
	<-done
	return r
}

func TestDeterminismIsCheckedFirst(t *testing.T) {
	runs := 0
	r := check(t, "TestLeaky", func(rt *sched.Runtime) {
		runs++
		if runs%2 == 0 {
			rt.Yield("only every other run")
		}
	}, schedtest.SaveDir(t.TempDir()))
	require.Contains(t, r.fail, "interleave: the test body is not a function of its schedule")
}

func TestUnboundedDFSSaysSoAndExhausts(t *testing.T) {
	r := check(t, "TestProof", twoIncrements((*counter).inc), schedtest.Search("dfs"), schedtest.Preemptions(-1), schedtest.SaveDir(t.TempDir()))
	require.Empty(t, r.fail)
	require.Len(t, r.logs, 1)
	require.Regexp(t, `^interleave: dfs\(unbounded\) exhausted: all \d+ schedules pass$`, r.logs[0])
}

func TestDFSBudgetAndSeed(t *testing.T) {
	r := check(t, "TestCapped", twoIncrements((*counter).inc), schedtest.Search("dfs"), schedtest.Schedules(3), schedtest.SaveDir(t.TempDir()))
	require.Equal(t, []string{"interleave: 3 schedules of dfs(bound 2), no failure; the budget ran out before the search did"}, r.logs)
}

func TestDebugModeRunsTheOneSchedule(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.v", "-test.count=1", "-test.run=^TestHelperLostUpdate$", "-interleave.seed=3", "-interleave.save="+t.TempDir())
	cmd.Env = append(os.Environ(), "SCHEDTEST_HELPER=1", "INTERLEAVE_DEBUG=1")
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "interleave: schedule 3 of pct(d=3) fails: assertion at step")
	require.NotContains(t, string(out), "saved to", "neither shrunk nor saved: the debugger sees one run")
}

func TestSeedAndSchedulesAreARange(t *testing.T) {
	t.Setenv("INTERLEAVE_SEED", "5")
	t.Setenv("INTERLEAVE_SCHEDULES", "3")
	o := schedtest.Explore(t, twoIncrements((*counter).inc), schedtest.SaveDir(t.TempDir()))
	require.Nil(t, o.Failure)
	require.Equal(t, 3, o.Schedules)
	t.Setenv("INTERLEAVE_SCHEDULES", "")
	o = schedtest.Explore(t, twoIncrements((*counter).inc), schedtest.SaveDir(t.TempDir()))
	require.Equal(t, 1, o.Schedules, "a seed alone is one schedule")
}

func TestUnboundedDFSSaysSoUpFront(t *testing.T) {
	out, err := child(t, "-test.run=^TestHelperFixed$", "-interleave.search=dfs", "-interleave.preemptions=-1", "-interleave.save="+t.TempDir())
	require.NoError(t, err, out)
	require.Contains(t, out, "interleave: TestHelperFixed: dfs without a bound and without a budget: the search may not end; progress every 10s (-interleave.preemptions=N bounds it, -interleave.schedules=N caps it)\n")
	require.Regexp(t, `interleave: dfs\(unbounded\) exhausted: all \d+ schedules pass`, out)
}
