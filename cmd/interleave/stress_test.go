//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/scenarios"
	"github.com/interleave/interleave/timeline"
)

// TestStressFailing stresses a strategy that fails: every child fails, the
// failures are logged one file each, grouped, reported with their rate, and
// the printed go test line reproduces the failure.
func TestStressFailing(t *testing.T) {
	t.Parallel()
	logs := t.TempDir()
	r := invocation{env: prebuilt()}.run(t, "stress", "-strategy", "naive", "-mode", "controlled", "-p", "2", "-count", "4", "-schedules", "5", "-o", logs)
	require.Equal(t, 1, r.code, r.stdout+r.stderr)
	out := r.stdout
	require.Contains(t, out, "stress naive: 4 children, 2 at a time, 5 seeds each (child i: seeds i*5+1..i*5+5), controlled mode, all scenarios\n")
	require.Contains(t, out, "naive: 4 runs in ")
	require.Contains(t, out, ": 4 failures\n")
	require.Contains(t, out, "failure rate: 4/4 = 100% (95% CI ")
	require.Contains(t, out, "logs: "+logs+"\n")

	// One log per failure, named by run and seed: child i starts at i*5+1.
	files, err := filepath.Glob(filepath.Join(logs, "*.log"))
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	require.ElementsMatch(t, []string{"fail-0-seed1.log", "fail-1-seed6.log", "fail-2-seed11.log", "fail-3-seed16.log"}, names)
	log, err := os.ReadFile(filepath.Join(logs, "fail-1-seed6.log"))
	require.NoError(t, err)
	require.Contains(t, string(log), "\n# command: "+scenariosBin+" '-test.run=^TestStress$' -test.count=1 -test.timeout=11m0s -interleave.strategy=naive -interleave.seed=6 -interleave.schedules=5 ")
	require.Contains(t, string(log), "INTERLEAVE-FAILURE {")

	// The first child's line, pasted into a shell in the scenarios
	// directory, runs it: it fails the same way.
	first := regexp.MustCompile(`(?m)^first child: (.+)$`).FindStringSubmatch(out)
	require.NotNil(t, first, out)
	require.Contains(t, first[1], " '-test.run=^TestStress$' ", "quoted for the shell")
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	child := exec.CommandContext(ctx, "sh", "-c", first[1])
	child.Dir = filepath.Join(repoDir, "scenarios")
	got, err := child.CombinedOutput()
	require.Error(t, err, "%s\n%s", first[1], got)
	require.Equal(t, 1, child.ProcessState.ExitCode(), string(got))
	require.Contains(t, string(got), "INTERLEAVE-FAILURE {")

	// Groups: a count, the signature, and the lines to reproduce and debug.
	groups := regexp.MustCompile(`(?m)^(\d+)× (\S+/naive: .+)$`).FindAllStringSubmatch(out, -1)
	require.NotEmpty(t, groups, out)
	total := 0
	for _, g := range groups {
		n, err := strconv.Atoi(g[1])
		require.NoError(t, err)
		total += n
	}
	require.Equal(t, 4, total)
	repro := regexp.MustCompile(`(?m)^    repro: (go test \./scenarios .+)$`).FindStringSubmatch(out)
	require.NotNil(t, repro, out)
	require.Regexp(t, `(?m)^    debug: go run ./cmd/interleave debug --scenario \S+ --strategy naive --search pct --depth 3 --preemptions 2 --seed \d+$`, out)

	// The repro line, pasted into a shell at the repository root, fails.
	cmd := exec.CommandContext(ctx, "sh", "-c", repro[1])
	cmd.Dir = repoDir
	cmd.Env = append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -count=1")) // no cached result
	got, err = cmd.CombinedOutput()
	require.Error(t, err, "%s\n%s", repro[1], got)
	require.Equal(t, 1, cmd.ProcessState.ExitCode(), string(got))
	require.Contains(t, string(got), "--- FAIL: TestScenarios/")
	require.Contains(t, string(got), "exactly once")

	// One timeline page per failure group, beside the group's first log.
	pageLines := regexp.MustCompile(`(?m)^    page:  (\S+)$`).FindAllStringSubmatch(out, -1)
	require.Len(t, pageLines, len(groups), out)
	pages, err := filepath.Glob(filepath.Join(logs, "*.html"))
	require.NoError(t, err)
	require.Len(t, pages, len(groups), "no other page is kept")
	for _, m := range pageLines {
		require.Contains(t, pages, m[1])
		require.FileExists(t, strings.TrimSuffix(m[1], ".html")+".log")
		data, err := os.ReadFile(m[1])
		require.NoError(t, err)
		runs, err := timeline.ReadPage(data)
		require.NoError(t, err)
		require.True(t, runs[0].Verdict.Failed)
		require.Contains(t, runs[0].Title, " / naive / pct(d=3) seed ")
	}
}

// TestStressJSON checks the report object, and that -shard runs the
// shard's children with the seeds they have in the whole run.
func TestStressJSON(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir() // for the log directory stress makes without -o
	r := invocation{env: append(prebuilt(), "TMPDIR="+tmp)}.run(t, "stress", "-strategy", "naive", "-p", "2", "-count", "4", "-schedules", "5", "-shard", "1/2", "--json", "cross-replica-fallback")
	require.Equal(t, 1, r.code, r.stderr)
	require.Contains(t, r.stderr, "stress naive: 2 children (shard 1/2 of 4 children in all), 2 at a time")
	out := decode[map[string]any](t, r)
	require.Equal(t, "1/2", out["shard"])
	require.Equal(t, "mem", out["backend"])
	reps := out["reports"].([]any)
	require.Len(t, reps, 1)
	rep := reps[0].(map[string]any)
	require.Equal(t, "naive", rep["strategy"])
	require.EqualValues(t, 2, rep["runs"])
	require.EqualValues(t, rep["runs"], rep["failures"], "naive fails cross-replica-fallback on pct seeds 7 and 17")
	require.Greater(t, rep["ci_low"], 0.0)
	require.EqualValues(t, 1, rep["ci_high"])
	groups := rep["groups"].([]any)
	require.Len(t, groups, 1)
	g := groups[0].(map[string]any)
	require.Equal(t, "cross-replica-fallback/naive: exactly once", g["signature"])
	var seeds []float64
	for _, run := range g["runs"].([]any) {
		seeds = append(seeds, run.(map[string]any)["seed"].(float64))
	}
	// Shard 1 of 2 runs children 1 and 3 of 4: seeds 6.. and 16...
	require.ElementsMatch(t, []float64{6, 16}, seeds)
	require.Contains(t, g["repro"], "go test ./scenarios -run '^TestScenarios$/^cross-replica-fallback$/^naive$/^seed=")
	require.Contains(t, g["debug"], "go run ./cmd/interleave debug --scenario cross-replica-fallback --strategy naive")
	require.Equal(t, tmp, filepath.Dir(rep["out_dir"].(string)), "the logs go to a new temporary directory")
}

// TestStressPassing builds the test binary itself (no
// INTERLEAVE_TEST_BINARY), runs a passing strategy, and reports zero
// failures with the upper bound of the rate; no log directory is made.
// (fixed passes every built-in scenario but promote-while-requires-action,
// whose stored history's order no merge fixes: the run names the others.)
func TestStressPassing(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	var passing []string
	for _, sc := range scenarios.All() {
		if sc.Expected("fixed") == scenarios.Pass {
			passing = append(passing, sc.Name)
		}
	}
	require.NotContains(t, passing, "promote-while-requires-action")
	args := append([]string{"stress", "-strategy", "fixed", "-p", "2", "-count", "4", "-schedules", "5"}, passing...)
	r := invocation{dir: repoDir, env: []string{"TMPDIR=" + tmp}}.run(t, args...)
	require.Equal(t, 0, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stdout, "building: go test -c -o ")
	require.Contains(t, r.stdout, "fixed: 4 runs in ")
	require.Contains(t, r.stdout, ": 0 failures\n")
	require.Contains(t, r.stdout, "failure rate: 0/4 = 0% (95% upper bound 48.99%)\n")
	require.NotContains(t, r.stdout, "logs:")
	requireEmptyDir(t, tmp) // the binary was removed, no log directory was made
}

// TestStressCompare runs naive and fixed and compares them.
func TestStressCompare(t *testing.T) {
	t.Parallel()
	logs := t.TempDir()
	r := invocation{env: prebuilt()}.run(t, "stress", "-compare", "naive,fixed", "-p", "2", "-count", "4", "-schedules", "5", "-o", logs, "cross-replica-fallback", "out-of-order")
	require.Equal(t, 1, r.code, r.stdout+r.stderr)
	require.Contains(t, r.stdout, "stress naive: 4 children")
	require.Contains(t, r.stdout, "stress fixed: 4 children")
	require.Contains(t, r.stdout, "\nnaive vs fixed, controlled mode:\nnaive: 4/4 = 100% (95% CI 51.01%–100%)\nfixed: 0/4 = 0% (95% upper bound 48.99%)\nFisher's exact test: p=0.029\nnaive fails more often than fixed (p=0.029)\n")
	// Each strategy logs under its own directory; fixed logged nothing.
	naive, err := filepath.Glob(filepath.Join(logs, "naive", "fail-*.log"))
	require.NoError(t, err)
	require.Len(t, naive, 4)
	requireEmptyDir(t, filepath.Join(logs, "fixed"))
}

// TestStressInterrupt starts long wild children, sends SIGINT once they
// run, and checks that stress stops them (aborts them: they would run for
// minutes), prints the report so far and leaves no child behind.
func TestStressInterrupt(t *testing.T) {
	t.Parallel()
	if procs, err := filepath.Glob("/proc/[0-9]*/cmdline"); err != nil || len(procs) == 0 {
		t.Skip("no /proc to look for children in")
	}
	logs := t.TempDir()
	// A passing cell: fixed fails promote-while-requires-action (the stored
	// history's order), so a run over every scenario would end early.
	cmd := exec.Command(interleaveBin, "stress", "-strategy", "fixed", "-mode", "wild", "-p", "2", "-count", "6", "-schedules", "100000", "-o", logs, "promote-while-requires-action-by-id")
	cmd.Env = append(os.Environ(), prebuilt()...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()

	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var out strings.Builder
	deadline := time.After(hangLimit)
	for started := false; !started; {
		select {
		case line, ok := <-lines:
			require.True(t, ok, "stress ended early: %s%s", out.String(), stderr.String())
			out.WriteString(line + "\n")
			started = strings.HasPrefix(line, "first child: ")
		case <-deadline:
			t.Fatalf("no header line: %s", out.String())
		}
	}
	require.Eventually(t, func() bool { return len(children(t, "100000")) == 2 }, hangLimit, 10*time.Millisecond, "two children running")
	// The status line, every 5 seconds, while the children run.
	status := regexp.MustCompile(`^5s: 0 runs so far, 0 failures \(0\.00%\), 0 ignored, 2 active$`)
	for seen := false; !seen; {
		select {
		case line, ok := <-lines:
			require.True(t, ok, "stress ended early: %s%s", out.String(), stderr.String())
			out.WriteString(line + "\n")
			seen = status.MatchString(line)
		case <-deadline:
			t.Fatalf("no status line: %s", out.String())
		}
	}

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	for ended := false; !ended; {
		select {
		case line, ok := <-lines:
			ended = !ok
			if ok {
				out.WriteString(line + "\n")
			}
		case <-deadline:
			t.Fatalf("stress did not stop: %s", out.String())
		}
	}
	require.Error(t, cmd.Wait())
	require.Equal(t, 130, cmd.ProcessState.ExitCode(), "%s%s", out.String(), stderr.String())
	require.Contains(t, out.String(), "\ninterrupted: this report covers the children that finished; every log is kept\n")
	require.Regexp(t, `fixed: 0 runs in \S+: 0 failures, 2 aborted\n`, out.String())
	require.Empty(t, children(t, "100000"), "children left behind")
	requireEmptyDir(t, logs)
}

// TestStressInterruptJSON: interrupted, the JSON report counts the
// children it aborted (it once never had "aborted"), says it was
// interrupted, and the exit status is 130.
func TestStressInterruptJSON(t *testing.T) {
	t.Parallel()
	if procs, err := filepath.Glob("/proc/[0-9]*/cmdline"); err != nil || len(procs) == 0 {
		t.Skip("no /proc to look for children in")
	}
	cmd := exec.Command(interleaveBin, "stress", "-strategy", "fixed", "-mode", "wild", "-p", "2", "-count", "6", "-schedules", "100001", "-o", t.TempDir(), "--json")
	cmd.Env = append(os.Environ(), prebuilt()...)
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()
	require.Eventually(t, func() bool { return len(children(t, "100001")) == 2 }, hangLimit, 10*time.Millisecond, "two children running: %s", stderr.String())
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case <-waited:
	case <-time.After(hangLimit):
		t.Fatal("stress did not stop")
	}
	require.Equal(t, 130, cmd.ProcessState.ExitCode(), stderr.String())
	out := decode[map[string]any](t, result{stdout: stdout.String(), stderr: stderr.String()})
	require.Equal(t, true, out["interrupted"])
	rep := out["reports"].([]any)[0].(map[string]any)
	require.EqualValues(t, 2, rep["aborted"])
	require.EqualValues(t, 0, rep["runs"])
	require.Empty(t, children(t, "100001"), "children left behind")
}

// TestSecondInterrupt: after the first Ctrl-C, which stress handles, the
// next one ends the process at once (it would block forever otherwise; the
// test sends interrupts until it ends), with exit status 130, having killed
// the process groups and removed the directories it registered for
// cleanup: a build's go command and its work directory, say.
func TestSecondInterrupt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=interrupt", "HELPER_DIR="+dir)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stdout)
	require.True(t, sc.Scan())
	require.Equal(t, "ready", sc.Text())
	child, err := strconv.Atoi(string(readFileOr(filepath.Join(dir, "child"))))
	require.NoError(t, err)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	require.True(t, sc.Scan())
	require.Equal(t, "interrupted", sc.Text())

	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(hangLimit)
	for {
		select {
		case <-tick.C:
			_ = cmd.Process.Signal(syscall.SIGINT)
			continue
		case err = <-waited:
		case <-deadline:
			t.Fatal("a second interrupt did not kill the process")
		}
		break
	}
	require.Error(t, err)
	require.Equal(t, 130, cmd.ProcessState.ExitCode(), "%v", cmd.ProcessState)
	_, err = os.Stat(dir)
	require.True(t, os.IsNotExist(err), "the directory is still there")
	require.Eventually(t, func() bool { return syscall.Kill(child, 0) != nil || zombie(child) }, hangLimit, 10*time.Millisecond, "the child runs on")
}

// readFileOr returns the file's content, or nil.
func readFileOr(path string) []byte {
	b, _ := os.ReadFile(path)
	return b
}

// zombie reports whether pid has exited and not been waited for.
func zombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}

// children lists the processes running the scenarios test binary with
// -interleave.schedules=schedules (each interrupt test has its own).
func children(t *testing.T, schedules string) []string {
	t.Helper()
	procs, err := filepath.Glob("/proc/[0-9]*/cmdline")
	require.NoError(t, err)
	var out []string
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // gone
		}
		args := strings.Split(string(b), "\x00")
		if args[0] == scenariosBin && slices.Contains(args, "-interleave.schedules="+schedules) {
			out = append(out, p)
		}
	}
	return out
}

// TestStressChildUnderXToolsStress runs the scenarios test binary the way
// golang.org/x/tools/cmd/stress does: the same command again and again.
// Each run must end on its own with an exit status that tells pass from
// fail, and a failing run must report the same failures every time.
func TestStressChildUnderXToolsStress(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		strategy string
		code     int
	}{{"naive", 1}, {"fixed", 0}} {
		var first string
		for i := range 3 {
			ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
			cmd := exec.CommandContext(ctx, scenariosBin, "-test.run", "TestStress", "-interleave.strategy="+tc.strategy, "-interleave.scenario=cross-replica-fallback", "-interleave.schedules=10")
			cmd.Dir = filepath.Join(repoDir, "scenarios")
			got, _ := cmd.CombinedOutput()
			cancel()
			require.Equal(t, tc.code, cmd.ProcessState.ExitCode(), "%s run %d: %s", tc.strategy, i, got)
			failures := strings.Join(regexp.MustCompile(`(?m)^INTERLEAVE-FAILURE .*$`).FindAllString(string(got), -1), "\n")
			if tc.code == 0 {
				require.Empty(t, failures)
				require.Contains(t, string(got), "PASS")
				continue
			}
			require.NotEmpty(t, failures)
			if i == 0 {
				first = failures
			}
			require.Equal(t, first, failures, "run %d reported other failures", i)
		}
	}
}

// syncBuffer is a buffer a child may write while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestChildEnv: children lose the variables of the test flags (they would
// override nothing, flags win, but a stray INTERLEAVE_SAVE would make every
// child write files), keep the rest, and get the race detector's exit pause
// turned off on top of the user's GORACE options.
func TestChildEnv(t *testing.T) {
	t.Setenv("INTERLEAVE_SEED", "5")
	t.Setenv("INTERLEAVE_SAVE", "/tmp/x")
	t.Setenv(testBinaryEnv, "/bin/true")
	t.Setenv("INTERLEAVE_PG_DSN", "postgres://example")
	t.Setenv("GORACE", "halt_on_error=1")
	env := childEnv()
	require.Contains(t, env, "INTERLEAVE_PG_DSN=postgres://example")
	require.Contains(t, env, "GORACE=halt_on_error=1 atexit_sleep_ms=0")
	for _, kv := range env {
		require.False(t, strings.HasPrefix(kv, "INTERLEAVE_SEED=") || strings.HasPrefix(kv, "INTERLEAVE_SAVE=") || strings.HasPrefix(kv, testBinaryEnv+"="), kv)
	}
	require.Equal(t, 1, strings.Count(strings.Join(env, "\n"), "GORACE="))
}
