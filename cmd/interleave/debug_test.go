package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/internal/dlv"
	"github.com/interleave/interleave/scenarios"
)

// The failing schedule the debug tests trace: PCT seed 8 of the scenario
// loses messages #4 and #5 under naive (#6 reaches the cache before them
// and the cursor jumps past them) and delivers them late under fixed.
var dbgTestSchedule = []string{"--scenario", "promote-while-requires-action-by-id", "--search", "pct", "--seed", "8"}

// dbgRun runs debugMain with args and returns its exit status and output.
func dbgRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := debugMain(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// dbgSetHook replaces a hook for the duration of the test.
func dbgSetHook[T any](t *testing.T, hook *T, v T) {
	t.Helper()
	old := *hook
	*hook = v
	t.Cleanup(func() { *hook = old })
}

// dbgNoBuild makes a build fail the test: bad input must be reported
// before anything is built.
func dbgNoBuild(t *testing.T) {
	dbgSetHook(t, &dbgBuild, func(context.Context, string, string, bool) error {
		t.Errorf("the test binary was built")
		return errors.New("no build in this test")
	})
}

func TestDebugBadInput(t *testing.T) {
	dbgNoBuild(t)
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		return p
	}
	garbage := write("garbage.schedule", "this is not a schedule\n")
	noSeed := write("noseed.schedule", "interleave-schedule v1\n@scenario promote-while-requires-action\n@strategy naive\nt1 t2\n")
	badSeed := write("badseed.schedule", "interleave-schedule v2\n@scenario promote-while-requires-action\n@strategy naive\n@search pct\n@seed x1\nt1 t2\n")
	noWorkload := write("noworkload.schedule", "interleave-schedule v2\n@scenario random-workload\n@strategy naive\n@search shrunk\nt1 t2\n")
	badScenario := write("badscenario.schedule", "interleave-schedule v1\n@scenario nosuch\n@strategy naive\n@seed 1\n")
	sched := []string{"--strategy", "naive", "--scenario", "promote-while-requires-action"}
	for _, tc := range []struct {
		name string
		args []string
		want string // a regexp for the one line on stderr
	}{
		{"bad seed", append(sched, "--seed", "x"), `^interleave: --seed "x": want a non-negative whole number$`},
		{"negative seed", append(sched, "--seed", "-1"), `^interleave: --seed "-1": want a non-negative whole number$`},
		{"missing seed", sched, `^interleave: debug: --seed is required \(or give --schedule FILE\)$`},
		{"unknown scenario", []string{"--scenario", "nosuch", "--strategy", "naive", "--seed", "1"}, `^interleave: unknown scenario "nosuch" \(known: .*promote-while-requires-action.*\)$`},
		{"unknown strategy", []string{"--scenario", "promote-while-requires-action", "--strategy", "nosuch", "--seed", "1"}, `^interleave: unknown strategy "nosuch" \(known: naive, fixed-r1, fixed, producer-lock, stream-loop; a merge strategy under the stream loop's oracle: NAME\+convergence\)$`},
		{"unknown search", append(sched, "--seed", "1", "--search", "bfs"), `^interleave: --search: unknown search "bfs" \(known: random, pct, dfs, dpor\)$`},
		{"bad depth", append(sched, "--seed", "1", "--depth", "0"), `^interleave: --depth "0": want a whole number from 1 to 100$`},
		{"bad preemptions", append(sched, "--seed", "1", "--preemptions", "two"), `^interleave: --preemptions "two": want a whole number`},
		{"json without trace", append(sched, "--seed", "1", "--json"), `^interleave: debug: --json needs --trace$`},
		{"unknown flag", append(sched, "--seed", "1", "--frobnicate"), `^interleave debug: flag provided but not defined: -frobnicate \(see 'interleave help debug'\)$`},
		{"argument", append(sched, "--seed", "1", "extra"), `^interleave debug: unexpected argument "extra" \(see 'interleave help debug'\)$`},
		{"malformed schedule file", []string{"--schedule", garbage}, `^interleave: ` + regexp.QuoteMeta(garbage) + `: .+`},
		{"missing schedule file", []string{"--schedule", filepath.Join(dir, "nosuch")}, `^interleave: schedule file: open .*nosuch: no such file or directory$`},
		{"schedule with a malformed seed", []string{"--schedule", badSeed}, `^interleave: ` + regexp.QuoteMeta(badSeed) + `: @seed "x1": want a non-negative whole number$`},
		{"schedule without its workload", []string{"--schedule", noWorkload}, `^interleave: ` + regexp.QuoteMeta(noWorkload) + `: no @workload-seed: random-workload draws its workload from that seed$`},
		{"schedule with unknown scenario", []string{"--schedule", badScenario}, `^interleave: ` + regexp.QuoteMeta(badScenario) + `: unknown scenario "nosuch"`},
		{"schedule and seed", []string{"--schedule", noSeed, "--seed", "1"}, `^interleave: debug: --schedule gives the search and the choices: do not combine it with --seed$`},
		{"schedule and search", []string{"--schedule", noSeed, "--search", "dfs"}, `^interleave: debug: --schedule gives the search and the choices: do not combine it with --search$`},
		{"schedule and unknown strategy", []string{"--schedule", noSeed, "--strategy", "nosuch"}, `^interleave: ` + regexp.QuoteMeta(noSeed) + `: unknown strategy "nosuch"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := dbgRun(t, tc.args...)
			require.Equal(t, 2, code, "stderr: %s", stderr)
			require.Empty(t, stdout)
			require.Equal(t, 1, strings.Count(stderr, "\n"), "want one line: %q", stderr)
			require.Regexp(t, tc.want, strings.TrimSuffix(stderr, "\n"))
		})
	}
}

func TestDebugHelp(t *testing.T) {
	code, stdout, stderr := dbgRun(t, "--help")
	require.Equal(t, 0, code)
	require.Empty(t, stderr)
	require.Equal(t, debugUsage, stdout)
}

func TestDebugNoDlv(t *testing.T) {
	dbgNoBuild(t)
	root := t.TempDir() // no bin/dlv there, and none on PATH
	dbgSetHook(t, &dbgFindRoot, func() (string, error) { return root, nil })
	t.Setenv("PATH", t.TempDir())
	code, stdout, stderr := dbgRun(t, append(dbgTestSchedule, "--strategy", "naive", "--trace")...)
	require.Equal(t, 2, code)
	require.Empty(t, stdout)
	require.Equal(t, "interleave: dlv not found in "+filepath.Join(root, "bin")+
		" or on PATH: run 'make tools' to install it (github.com/go-delve/delve v1.27.2)\n", stderr)
}

// TestDebugBuildFails: a build that fails is a command that could not run,
// exit 2, with the compiler's output; one interrupted is exit 130.
func TestDebugBuildFails(t *testing.T) {
	root := t.TempDir()
	dbgSetHook(t, &dbgFindRoot, func() (string, error) { return root, nil })
	dbgSetHook(t, &dbgFindDlv, func(string) (string, error) { return filepath.Join(root, "dlv"), nil })
	dbgSetHook(t, &dbgBuild, func(context.Context, string, string, bool) error {
		return errors.New("build test binary for scenarios: go test -c: exit status 1\n./x.go:1:1: syntax error")
	})
	code, stdout, stderr := dbgRun(t, append(dbgTestSchedule, "--strategy", "naive", "--trace")...)
	require.Equal(t, 2, code)
	require.Empty(t, stdout)
	require.Equal(t, "interleave: building the scenarios test binary (go test -c -gcflags='all=-N -l') ...\n"+
		"interleave: build test binary for scenarios: go test -c: exit status 1\n./x.go:1:1: syntax error\n", stderr)

	// Ctrl-C during the build.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt) // the test process must survive it
	defer signal.Stop(sigs)
	dbgSetHook(t, &dbgBuild, func(ctx context.Context, _, _ string, _ bool) error {
		require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGINT))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(hangLimit):
			return errors.New("SIGINT did not cancel the build")
		}
	})
	code, stdout, stderr = dbgRun(t, append(dbgTestSchedule, "--strategy", "naive", "--trace")...)
	require.Equal(t, 130, code, stderr)
	require.Empty(t, stdout)
	require.True(t, strings.HasSuffix(stderr, "\ninterleave: interrupted while building the scenarios test binary\n"), stderr)
}

func TestDebugOutsideRepo(t *testing.T) {
	dbgNoBuild(t)
	t.Chdir(t.TempDir())
	code, stdout, stderr := dbgRun(t, append(dbgTestSchedule, "--strategy", "naive")...)
	require.Equal(t, 2, code)
	require.Empty(t, stdout)
	require.Equal(t, 1, strings.Count(stderr, "\n"), "want one line: %q", stderr)
	require.Equal(t, "interleave: not inside the interleave repository: no go.mod of module github.com/interleave/interleave in the working directory or above\n", stderr)
}

// With --schedule the test binary replays the file (TestReplay), with the
// overrides it was given; without, it runs the seed's TestScenarios subtest.
func TestDebugScheduleFile(t *testing.T) {
	sc, err := scenarios.Lookup("promote-while-requires-action-by-id")
	require.NoError(t, err)
	st, err := scenarios.LookupStrategy("naive")
	require.NoError(t, err)
	search, err := scenarios.ParseSearch("pct", 3, 2)
	require.NoError(t, err)
	r := scenarios.Run(scenarios.Spec{Scenario: sc, Strategy: st, Search: search, Seed: 8, Trace: true})
	require.NotNil(t, r.Failure)
	dir := t.TempDir()
	path := filepath.Join(dir, "naive.schedule")
	require.NoError(t, os.WriteFile(path, []byte(scenarios.ScheduleFile(r)), 0o644))

	fromFile, err := dbgParse([]string{"--schedule", path, "--trace"})
	require.NoError(t, err)
	require.Equal(t, []string{"-test.run=^TestReplay$", "-interleave.replay=" + path}, fromFile.testArgs())
	require.Equal(t, "promote-while-requires-action-by-id / naive / replay of pct(d=3) seed 8 ("+path+")", fromFile.title())
	require.Equal(t, "naive", fromFile.strategy, "the breakpoints follow the file's strategy")

	t.Chdir(dir) // a relative path is made absolute for the test binary
	guided, err := dbgParse([]string{"--schedule", "naive.schedule", "--strategy", "fixed", "--scenario", "promote-while-requires-action-by-id"})
	require.NoError(t, err)
	require.Equal(t, []string{"-test.run=^TestReplay$", "-interleave.replay=" + path,
		"-interleave.scenario=promote-while-requires-action-by-id", "-interleave.strategy=fixed"}, guided.testArgs())
	require.Equal(t, "fixed", guided.strategy)

	fromFlags, err := dbgParse(append(dbgTestSchedule, "--strategy", "naive", "--depth", "3"))
	require.NoError(t, err)
	require.Equal(t, []string{
		"-test.run=^TestScenarios$/^promote-while-requires-action-by-id$/^naive$/^seed=8$",
		"-interleave.scenario=promote-while-requires-action-by-id",
		"-interleave.strategy=naive",
		"-interleave.seed=8",
		"-interleave.search=pct",
		"-interleave.depth=3",
		"-interleave.preemptions=2",
	}, fromFlags.testArgs())
}

func TestDebugParseVerdict(t *testing.T) {
	out := "--- FAIL: TestScenarios (0.00s)\n" +
		"            --- FAIL: TestScenarios/s/naive/seed=1 (0.00s)\n" +
		"                scenarios_test.go:88: s / naive / pct(d=3) seed 1: fail: assertion at step 81: oracle: sub: lost\n" +
		"                    81 steps, 13 preemptions, trace hash 84ce\n" +
		"                    step   3  sub subscribe      sub: snapshot after 2 -> []\n" +
		"                    => sub: exactly once: message #4 never delivered\n" +
		"                    => sub: exactly once: message #5 never delivered\n" +
		"                    To reproduce: go test ./scenarios -run x\n" +
		"                    => not a violation: the trace follows the report\n" +
		"FAIL\n"
	v, err := dbgParseVerdict(out, 1)
	require.NoError(t, err)
	require.Equal(t, dbgVerdict{Verdict: "fail", Summary: "s / naive / pct(d=3) seed 1: fail: assertion at step 81: oracle: sub: lost",
		Violations: []string{"sub: exactly once: message #4 never delivered", "sub: exactly once: message #5 never delivered"},
		Repro:      "go test ./scenarios -run x", TraceHash: "84ce", ExitStatus: 1}, v)

	v, err = dbgParseVerdict("PASS\n", 0)
	require.NoError(t, err)
	require.Equal(t, dbgVerdict{Verdict: "pass"}, v)

	// No verdict: a program that crashed, was killed, or ended without the
	// schedule's report died (once reported as the oracle's fail, exit 0).
	for _, c := range []struct {
		out    string
		status int
		died   string
	}{
		{"panic: boom\n\ngoroutine 1 [running]:\n", 2, "exit status 2 without the schedule's report"},
		{"=== RUN TestScenarios\n", -9, "killed by signal 9 (killed)"},
		{"=== RUN TestScenarios\n", -15, "killed by signal 15 (terminated)"},
		{"=== RUN TestScenarios\n", 0, "exited 0 without the tests' PASS"},
		{"--- FAIL: TestScenarios\n    x_test.go:1: bad flag\nFAIL\n", 1, "exit status 1 without the schedule's report"},
		{out, 2, "exit status 2 after the report (a test binary that fails exits 1)"},
	} {
		v, err = dbgParseVerdict(c.out, c.status)
		require.NoError(t, err)
		require.Equal(t, "died", v.Verdict, c.out)
		require.Equal(t, c.died, v.Died)
		require.Equal(t, c.status, v.ExitStatus)
		require.Empty(t, v.Summary)
		require.Contains(t, v.Output, strings.TrimSpace(strings.Split(c.out, "\n")[0]))
	}

	_, err = dbgParseVerdict("testing: warning: no tests to run\nPASS\n", 0)
	require.ErrorContains(t, err, "ran no test")
	_, err = dbgParseVerdict("--- SKIP: TestReplay (0.00s)\nPASS\n", 0)
	require.ErrorContains(t, err, "skipped TestReplay")
}

func TestDebugCacheIDs(t *testing.T) {
	ids, ok := dbgCacheIDs(`[{ID:3 ChatID:1 Role:"tool" Content:"x} {ID:9 " CreatedAt:3} {ID:6 ChatID:1 Role:"assistant" Content:"reply" CreatedAt:5}]`)
	require.True(t, ok)
	require.Equal(t, []int64{3, 6}, ids)
	ids, ok = dbgCacheIDs(`[{ID:1 ChatID:1 Role:"user" Content:"a\"} {ID:9 \\" CreatedAt:1} {ID:2 ChatID:1 Role:"user" Content:"" CreatedAt:2} ...+3]`)
	require.True(t, ok)
	require.Equal(t, []int64{1, 2}, ids)
	ids, ok = dbgCacheIDs(`[]`)
	require.True(t, ok)
	require.Empty(t, ids)
	_, ok = dbgCacheIDs(`<error: could not find symbol cached>`)
	require.False(t, ok)
}

// TestDebugDlv runs the debugger: the scenarios test binary is built once
// for all the subtests, and each run links it where debug would build it.
func TestDebugDlv(t *testing.T) {
	root, err := repoRoot()
	require.NoError(t, err)
	_, err = dlv.Find(root)
	require.NoError(t, err, "these tests need Delve: run 'make tools'")

	// Built before $HOME changes below: the go command keeps its cache
	// there.
	prebuilt := filepath.Join(t.TempDir(), "scenarios.test")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	require.NoError(t, dlv.BuildTestBinary(ctx, filepath.Join(root, "scenarios"), prebuilt, false))
	t.Logf("built the scenarios test binary in %v", time.Since(start).Round(time.Millisecond))

	var mu sync.Mutex
	var built []string // where debug asked for the binary
	dbgSetHook(t, &dbgBuild, func(ctx context.Context, pkgDir, out string, race bool) error {
		if pkgDir != filepath.Join(root, "scenarios") || race {
			return fmt.Errorf("unexpected build of %s (race %v)", pkgDir, race)
		}
		mu.Lock()
		built = append(built, out)
		mu.Unlock()
		if err := os.Link(prebuilt, out); err == nil {
			return nil
		}
		data, err := os.ReadFile(prebuilt)
		if err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o755)
	})
	// checkClean checks that debug removed its temporary directory and
	// left no process behind (dlv, or the program it debugged).
	checkClean := func(t *testing.T) {
		t.Helper()
		mu.Lock()
		require.NotEmpty(t, built)
		out := built[len(built)-1]
		mu.Unlock()
		_, err := os.Stat(filepath.Dir(out))
		require.True(t, errors.Is(err, os.ErrNotExist), "the temporary directory %s is still there", filepath.Dir(out))
		require.Empty(t, dbgLeftovers(filepath.Dir(out)), "processes left behind")
	}
	// Nothing goes into the user's home: dlv's config and telemetry, and
	// the go command's telemetry, go to a temporary XDG_CONFIG_HOME (unless
	// a legacy ~/.dlv config exists). The go caches are the user's, named
	// here as they were before HOME moved.
	for _, name := range []string{"GOCACHE", "GOMODCACHE"} {
		out, err := exec.Command("go", "env", name).Output()
		require.NoError(t, err)
		t.Setenv(name, strings.TrimSpace(string(out)))
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	checkHome := func(t *testing.T) {
		t.Helper()
		if u, err := user.Current(); err == nil {
			if _, err := os.Stat(filepath.Join(u.HomeDir, ".dlv", "config.yml")); err == nil {
				return
			}
		}
		entries, err := os.ReadDir(home)
		require.NoError(t, err)
		require.Empty(t, entries, "something was written into $HOME")
	}

	t.Run("naive", func(t *testing.T) {
		code, stdout, stderr := dbgRun(t, append(dbgTestSchedule, "--strategy", "naive", "--trace")...)
		require.Equal(t, 0, code, "stderr: %s\nstdout: %s", stderr, stdout)
		checkClean(t)
		checkHome(t)
		t.Logf("\n%s", stdout)
		// The account: #6 is appended before #4 and #5, the catch-up of
		// notify After=5 from lastMessageID 2 delivers #3 and #6 from the
		// cache, the later notifies find nothing after 6.
		for _, want := range []string{
			`(?m)^#\d+ +step \d+ +g\d+ +replica1 worker +cache append +#6 -> replica1 cache \[3 6\] evictedBefore=0$`,
			`(?m)^#\d+ +step \d+ +g\d+ +sub merge +naive catch-up +notify\.After=5 lastMessageID=2$`,
			`(?m)^#\d+ +step \d+ +g\d+ +sub merge +deliver +#3 via cache  lastMessageID=2 delivered=1$`,
			`(?m)^#\d+ +step \d+ +g\d+ +sub merge +deliver +#6 via cache  lastMessageID=3 delivered=2$`,
			`(?m)^#\d+ +step \d+ +g\d+ +promote +cache append +#4 -> replica1 cache \[3 6 4\] evictedBefore=0   <- appended after #6$`,
			`(?m)^#\d+ +step \d+ +g\d+ +sub merge +naive db query +after lastMessageID=6$`,
			`(?m)^oracle: promote-while-requires-action-by-id / naive / pct\(d=3\) seed 8: fail: assertion at step \d+: oracle: sub: exactly once: message #4 never delivered`,
			`(?m)^=> sub: exactly once: message #4 never delivered \(lastMessageID moved past it for good, 3 -> 6, at step \d+\)$`,
			`(?m)^=> sub: exactly once: message #5 never delivered`,
		} {
			require.Regexp(t, want, stdout)
		}
		require.NotContains(t, stdout, "deliver           #4")
		require.Contains(t, stdout, "break cacheAppend github.com/interleave/interleave/harness.(*Replica).cacheAppended  # print r.rt.step; print r.rt.cur.name")
	})

	// The stream loop's hooks: H1, the bump-skipping writer's #3 never
	// fetched; the reconnect's initial sync skips #4 by its floor.
	t.Run("stream-loop", func(t *testing.T) {
		h1 := filepath.Join(root, "scenarios", "testdata", "scenarios", "h1-bump-skipping-writer.scenario")
		code, stdout, stderr := dbgRun(t, "--scenario", h1, "--strategy", "stream-loop", "--seed", "1", "--trace")
		require.Equal(t, 0, code, "stderr: %s\nstdout: %s", stderr, stdout)
		checkClean(t)
		for _, want := range []string{
			`(?m)^#\d+ +step \d+ +g\d+ +sub loop +loop: sync +sync 1 \(initial sync\): revision > 0, 2 rows, history -> 2 \(initial\)$`,
			`(?m)^#\d+ +step \d+ +g\d+ +sub loop +loop: skip +#2@2: at or below afterMessageID 2 \(initial sync\)$`,
			`(?m)^#\d+ +step \d+ +g\d+ +sub loop +loop: should fetch hint \{snapshot 3, history 3\} seen \{snapshot 2, history 2\}: sync$`,
			`(?m)^#\d+ +step \d+ +g\d+ +sub loop +loop: sync +sync 2 \(hint\): revision > 2, 1 rows, history -> 3$`,
			`(?m)^#\d+ +step \d+ +g\d+ +sub loop +loop: send +#4@3$`,
			`(?m)^#\d+ +step \d+ +g\d+ +sub/2 loop +loop: skip +#4@3: at or below afterMessageID 4 \(initial sync\)$`,
			`(?m)^=> sub: convergence: message #3 never received \(the database has it at revision 2\)$`,
		} {
			require.Regexp(t, want, stdout)
		}
		require.NotContains(t, stdout, "cacheAppend")
	})

	t.Run("naive json", func(t *testing.T) {
		code, stdout, stderr := dbgRun(t, append(dbgTestSchedule, "--strategy", "naive", "--trace", "--json")...)
		require.Equal(t, 0, code, "stderr: %s", stderr)
		checkClean(t)
		var out dbgJSON
		dec := json.NewDecoder(strings.NewReader(stdout))
		dec.DisallowUnknownFields()
		require.NoError(t, dec.Decode(&out), stdout)
		require.False(t, dec.More())

		require.Equal(t, "fail", out.Verdict.Verdict)
		require.Equal(t, 1, out.Verdict.ExitStatus)
		require.Len(t, out.Verdict.Violations, 2)
		m := regexp.MustCompile(`message #4 never delivered \(lastMessageID moved past it for good, 3 -> 6, at step (\d+)\)`).FindStringSubmatch(out.Verdict.Violations[0])
		require.NotNil(t, m, out.Verdict.Violations[0])
		movedAt, _ := strconv.Atoi(m[1])
		require.Positive(t, out.SkippedHits, "the calibration runs hit the breakpoints too")

		delivered, appended := dbgIDs(t, out.Hits)
		require.Equal(t, []int64{3, 6}, delivered, "naive delivers #3 and #6 only")
		require.Equal(t, []int64{3, 6, 4, 5}, appended)
		prev := 0
		for i, h := range out.Hits {
			require.Equal(t, i+1, h.Seq)
			require.GreaterOrEqual(t, h.Step, prev, "steps go forward")
			prev = h.Step
			require.NotZero(t, h.GoroutineID)
			require.NotEmpty(t, h.Task)
			for _, v := range h.Vars {
				require.NotContains(t, v.Value, "<error", "%s at hit %d", v.Expr, h.Seq)
			}
		}
		// The cursor moves past #4 and #5 at the delivery of #6, in the
		// catch-up of notify After=5 from lastMessageID 2.
		var catchUp, deliver6 *dbgHit
		for i := range out.Hits {
			h := &out.Hits[i]
			if h.Breakpoint == "naiveCatchUp" && catchUp == nil {
				catchUp = h
			}
			if h.Breakpoint == "deliver" && h.Fields["message_id"] == float64(6) {
				deliver6 = h
			}
		}
		require.NotNil(t, catchUp)
		require.Equal(t, map[string]any{"step": float64(catchUp.Step), "task": "sub merge", "subscriber": "sub",
			"notify_after": float64(5), "full_refresh": false, "last_message_id": float64(2)}, catchUp.Fields)
		require.NotNil(t, deliver6)
		require.Equal(t, movedAt, deliver6.Step)
		require.Equal(t, "cache", deliver6.Fields["via"])
		require.Equal(t, float64(3), deliver6.Fields["last_message_id"])
		require.Equal(t, float64(2), deliver6.Fields["delivered"])
	})

	t.Run("fixed", func(t *testing.T) {
		code, stdout, stderr := dbgRun(t, append(dbgTestSchedule, "--strategy", "fixed", "--trace", "--json")...)
		require.Equal(t, 0, code, "stderr: %s", stderr)
		checkClean(t)
		var out dbgJSON
		require.NoError(t, json.Unmarshal([]byte(stdout), &out), stdout)
		require.Equal(t, dbgVerdict{Verdict: "pass"}, out.Verdict)
		delivered, appended := dbgIDs(t, out.Hits)
		require.Equal(t, []int64{3, 6, 4, 5}, delivered, "fixed delivers #4 and #5 late, after #6")
		require.Equal(t, []int64{3, 6, 4, 5}, appended)
		var late []string
		for _, h := range out.Hits {
			if h.Breakpoint == "deliver" && h.Fields["late_after"] != nil {
				late = append(late, h.Detail)
			}
		}
		require.Equal(t, []string{
			"#4 via db  lastMessageID=6 delivered=3   <- late: after #6",
			"#5 via db  lastMessageID=6 delivered=4   <- late: after #6",
		}, late)
		var passes []string
		for _, h := range out.Hits {
			if h.Breakpoint == "cachePass" || h.Breakpoint == "dbPass" {
				passes = append(passes, fmt.Sprintf("%s %v", h.Breakpoint, h.Fields["lookup_after"]))
			}
		}
		require.Equal(t, "cachePass 2", passes[0], "the first catch-up looks up after the floor, 2")
		require.Equal(t, "dbPass 2", passes[1])
	})

	t.Run("schedule", func(t *testing.T) {
		// A shrunk counterexample, which no seed names: debug replays its
		// file and reports what replay reports.
		sc, err := scenarios.Lookup("promote-while-requires-action-by-id")
		require.NoError(t, err)
		st, err := scenarios.LookupStrategy("naive")
		require.NoError(t, err)
		search, _ := scenarios.ParseSearch("pct", 3, 2)
		found := scenarios.Run(scenarios.Spec{Scenario: sc, Strategy: st, Search: search, Seed: 8})
		require.NotNil(t, found.Failure)
		small := scenarios.ShrinkResult(found)
		require.Less(t, small.Preemptions, found.Preemptions)
		path, err := scenarios.SaveSchedule(t.TempDir(), small)
		require.NoError(t, err)
		again, err := scenarios.ReplayFile(path, scenarios.ReplayOptions{Trace: true})
		require.NoError(t, err)
		require.Equal(t, small.TraceHash(), again.TraceHash())

		code, stdout, stderr := dbgRun(t, "--schedule", path, "--trace", "--json")
		require.Equal(t, 0, code, "stderr: %s", stderr)
		checkClean(t)
		var out dbgJSON
		require.NoError(t, json.Unmarshal([]byte(stdout), &out), stdout)
		require.Equal(t, path, out.Schedule)
		require.Equal(t, "fail", out.Verdict.Verdict)
		require.Equal(t, small.TraceHash(), out.Verdict.TraceHash, "the very run replay shows")
		var want []string
		for _, v := range small.Violations {
			want = append(want, v.String())
		}
		require.Equal(t, want, out.Verdict.Violations)
		require.Equal(t, small.Summary(), out.Verdict.Summary)
		require.NotEmpty(t, out.Hits)
		require.Zero(t, out.SkippedHits, "the replay is the test's only run")
		last := out.Hits[len(out.Hits)-1]
		require.LessOrEqual(t, last.Step, small.Steps, "every hit is a step of the shrunk run")
	})

	t.Run("interrupt", func(t *testing.T) {
		// Ctrl-C while the program is stopped at the first hit of the
		// schedule: debug stops dlv and the program and cleans up.
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, os.Interrupt) // the test process must survive it
		defer signal.Stop(sigs)
		ctxs := make(chan context.Context, 1)
		dbgSetHook(t, &dbgNotifyContext, func(parent context.Context, s ...os.Signal) (context.Context, context.CancelFunc) {
			ctx, stop := signal.NotifyContext(parent, s...)
			ctxs <- ctx
			return ctx, stop
		})
		stdout := &dbgSignalWriter{t: t, ctxs: ctxs}
		var stderr bytes.Buffer
		code := debugMain(append(dbgTestSchedule, "--strategy", "naive", "--trace"), stdout, &stderr)
		require.True(t, stdout.sent, "no hit was printed")
		require.Equal(t, 130, code, "stdout: %s", stdout.buf.String())
		require.True(t, strings.HasSuffix(stderr.String(), "\ninterleave: interrupted: dlv and the program were stopped\n"), "stderr: %s", stderr.String())
		checkClean(t)
	})

	t.Run("real build", func(t *testing.T) {
		// debug's own build (go test -c, telemetry and all) writes
		// nothing into $HOME either (it once wrote the go command's
		// telemetry counters under ~/.config/go).
		dbgSetHook(t, &dbgBuild, func(ctx context.Context, pkgDir, out string, race bool) error {
			mu.Lock()
			built = append(built, out)
			mu.Unlock()
			return dlv.BuildTestBinary(ctx, pkgDir, out, race)
		})
		code, stdout, stderr := dbgRun(t, append(dbgTestSchedule, "--strategy", "fixed", "--trace")...)
		require.Equal(t, 0, code, "stderr: %s\nstdout: %s", stderr, stdout)
		require.Contains(t, stdout, "\noracle: pass\n")
		checkClean(t)
		checkHome(t)
	})

	t.Run("killed", func(t *testing.T) {
		// The program killed at the first hit of the schedule: no verdict,
		// and debug says the program died and exits 2 (it once printed
		// the oracle's fail and exited 0).
		stdout := &dbgKillWriter{t: t, binary: func() string { mu.Lock(); defer mu.Unlock(); return built[len(built)-1] }}
		var stderr bytes.Buffer
		code := debugMain(append(dbgTestSchedule, "--strategy", "naive", "--trace"), stdout, &stderr)
		require.True(t, stdout.killed, "no hit was printed")
		require.Equal(t, 2, code, "stdout: %s\nstderr: %s", stdout.buf.String(), stderr.String())
		require.Contains(t, stdout.buf.String(), "\noracle: no verdict: the program died (killed by signal 9 (killed))\n", "stderr: %s", stderr.String())
		require.NotContains(t, stdout.buf.String(), "oracle: promote")
		require.Contains(t, stderr.String(), "\ninterleave: the program died before the oracle's verdict: killed by signal 9 (killed)")
		checkClean(t)
	})

	t.Run("interactive", func(t *testing.T) {
		// Without a terminal dlv reads its commands from stdin.
		dbgSetHook[io.Reader](t, &dbgStdin, strings.NewReader("continue\nprint m.ID\nprint cached[0].ID\nexit\n"))
		code, stdout, stderr := dbgRun(t, append(dbgTestSchedule, "--strategy", "producer-lock")...)
		require.Equal(t, 0, code, "stderr: %s\nstdout: %s", stderr, stdout)
		checkClean(t)
		checkHome(t)
		for _, bp := range []string{"cacheAppend", "naiveCatchUp", "naiveDB", "deliver", "schedule"} {
			require.Regexp(t, `(?m)^  break `+bp+` github\.com/interleave/interleave/`, stdout)
			require.Regexp(t, `(?m)^Breakpoint `+bp+` set at `, stdout)
		}
		require.Regexp(t, `> \[cacheAppend\] github\.com/interleave/interleave/harness\.\(\*Replica\)\.cacheAppended\(\)`, stdout)
		require.Regexp(t, `(?m)^\(dlv\) 3\n\(dlv\) 3$`, stdout, "print m.ID; print cached[0].ID at the first append: #3")
	})
}

// dbgIDs returns the IDs delivered and appended, in order.
func dbgIDs(t *testing.T, hits []dbgHit) (delivered, appended []int64) {
	t.Helper()
	for _, h := range hits {
		id, ok := h.Fields["message_id"].(float64)
		switch h.Breakpoint {
		case "deliver":
			require.True(t, ok, "hit %d: %v", h.Seq, h.Fields)
			delivered = append(delivered, int64(id))
		case "cacheAppend":
			require.True(t, ok, "hit %d: %v", h.Seq, h.Fields)
			appended = append(appended, int64(id))
		}
	}
	return delivered, appended
}

// dbgSignalWriter sends SIGINT to the process at the first hit printed,
// while the program is stopped there (debug prints from the hit's
// callback), and holds the hit until debug's signal context (the one ctxs
// received) is cancelled: debug has seen the signal.
type dbgSignalWriter struct {
	t    *testing.T
	ctxs chan context.Context
	buf  bytes.Buffer
	sent bool
}

func (w *dbgSignalWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	if !w.sent && bytes.HasPrefix(p, []byte("#1 ")) {
		w.sent = true
		ctx := <-w.ctxs
		require.NoError(w.t, syscall.Kill(os.Getpid(), syscall.SIGINT))
		select {
		case <-ctx.Done():
		case <-time.After(hangLimit):
			w.t.Error("SIGINT did not cancel debug's context")
		}
	}
	return len(p), nil
}

// dbgKillWriter kills the debugged program (the process running the
// binary) with SIGKILL at the first hit printed, while it is stopped
// there.
type dbgKillWriter struct {
	t      *testing.T
	binary func() string
	buf    bytes.Buffer
	killed bool
}

func (w *dbgKillWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	if !w.killed && bytes.HasPrefix(p, []byte("#1 ")) {
		w.killed = true
		bin := w.binary()
		n := 0
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			if exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe")); err == nil && exe == bin {
				pid, _ := strconv.Atoi(e.Name())
				require.NoError(w.t, syscall.Kill(pid, syscall.SIGKILL))
				n++
			}
		}
		require.Equal(w.t, 1, n, "one process runs %s", bin)
	}
	return len(p), nil
}

// dbgLeftovers lists the live processes that run from dir or name it in
// their command line (dlv exec <dir>/scenarios.test, the program itself),
// and the dlv processes that are still children of this one.
func dbgLeftovers(dir string) []string {
	if runtime.GOOS != "linux" {
		return nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := strconv.Itoa(os.Getpid())
	var out []string
	for _, e := range entries {
		pid := e.Name()
		if _, err := strconv.Atoi(pid); err != nil || pid == self {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		comm := s[strings.IndexByte(s, '(')+1 : i]
		fields := strings.Fields(s[i+1:])
		if len(fields) < 2 || fields[0] == "Z" || fields[0] == "X" {
			continue // gone (a zombie is no longer running)
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", pid, "cmdline"))
		exe, _ := os.Readlink(filepath.Join("/proc", pid, "exe"))
		if strings.Contains(string(cmdline), dir) || strings.HasPrefix(exe, dir) || (comm == "dlv" && fields[1] == self) {
			out = append(out, fmt.Sprintf("pid %s (%s): %s", pid, comm, strings.ReplaceAll(string(cmdline), "\x00", " ")))
		}
	}
	return out
}
