//go:build unix

package stress

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/internal/shell"
	"github.com/interleave/interleave/internal/stats"
)

// hangLimit only detects hangs; no test relies on timing being tight.
const hangLimit = 2 * time.Minute

// syncBuffer is a Status writer that tests may read while the engine runs.
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

// run runs an engine for cfg, failing the test if it hangs.
func run(t *testing.T, ctx context.Context, cfg Config) (*Report, error) {
	t.Helper()
	e, err := New(cfg)
	require.NoError(t, err)
	type result struct {
		rep *Report
		err error
	}
	ch := make(chan result, 1)
	go func() {
		rep, err := e.Run(ctx)
		ch <- result{rep, err}
	}()
	select {
	case r := <-ch:
		require.NotNil(t, r.rep)
		return r.rep, r.err
	case <-time.After(hangLimit):
		t.Fatalf("Engine.Run hung for %v", hangLimit)
		return nil, nil
	}
}

// noTempFiles checks that dir holds only complete logs.
func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.Regexp(t, `^fail-\d+-seed\d+\.log$`, e.Name())
	}
}

func TestAllPass(t *testing.T) {
	status := &syncBuffer{}
	rep, err := run(t, context.Background(), Config{
		Name: "ok", Parallel: 2, Count: 8, NewCmd: helperCmd("pass"), Status: status,
	})
	require.NoError(t, err)
	assert.Equal(t, 8, rep.Runs)
	assert.Zero(t, rep.Failures)
	assert.Zero(t, rep.Ignored)
	assert.Zero(t, rep.Timeouts)
	assert.Zero(t, rep.Aborted)
	assert.Empty(t, rep.Groups)
	assert.NotNil(t, rep.Groups)
	assert.Empty(t, rep.OutDir, "no failure, no temporary log directory")
	assert.Positive(t, rep.Elapsed)

	// Upper bound z²/(n+z²) for n = 8: 3.8415/11.8415 = 32.44%.
	_, hi := stats.Wilson(0, 8, 0.95)
	assert.InDelta(t, 0.32440, hi, 1e-4)
	text := rep.Text()
	assert.Contains(t, text, "ok: 8 runs in ")
	assert.Contains(t, text, "failure rate: 0/8 = 0% (95% upper bound 32.44%)")
	assert.NotContains(t, text, "logs:")
}

func TestFailOnOddSeed(t *testing.T) {
	out := filepath.Join(t.TempDir(), "logs")
	rep, err := run(t, context.Background(), Config{
		Parallel: 2, Count: 10, OutDir: out, NewCmd: helperCmd("fail-on-odd-seed"),
	})
	require.NoError(t, err)
	assert.Equal(t, 10, rep.Runs)
	assert.Equal(t, 5, rep.Failures)
	assert.Equal(t, out, rep.OutDir)
	require.Len(t, rep.Groups, 1)
	g := rep.Groups[0]
	assert.Equal(t, "lost message 6", g.Signature)
	assert.Equal(t, 5, g.Count)
	assert.Equal(t, "go test -run X", g.Repro)
	assert.Equal(t, "interleave debug ...", g.Debug)
	require.Len(t, g.Runs, 5)
	require.Len(t, g.Logs, 5)
	for i, r := range g.Runs {
		// Default seeds are index+1: odd seeds are even indexes.
		assert.Equal(t, int64(r.Index)+1, r.Seed)
		assert.Equal(t, 0, r.Index%2)
		assert.Equal(t, filepath.Join(out, "fail-"+strconv.Itoa(r.Index)+"-seed"+strconv.Itoa(int(r.Seed))+".log"), g.Logs[i])
	}
	// Every failure has a complete log, and only failures have one.
	for i := 0; i < 10; i += 2 {
		data, err := os.ReadFile(filepath.Join(out, "fail-"+strconv.Itoa(i)+"-seed"+strconv.Itoa(i+1)+".log"))
		require.NoError(t, err)
		log := string(data)
		assert.True(t, strings.HasPrefix(log, "# interleave stress: run "+strconv.Itoa(i)+", seed "+strconv.Itoa(i+1)+"\n"), log)
		assert.Contains(t, log, "# command: "+shell.Quote(os.Args[0])+" '-test.run=^$'\n", "quoted, to paste into a shell")
		assert.Contains(t, log, "# result: exit status 1 after ")
		assert.Contains(t, log, "# signature: lost message 6\n")
		assert.Contains(t, log, "helper start seed="+strconv.Itoa(i+1)+"\n")
		assert.Contains(t, log, failureLine+"\n")
		assert.True(t, strings.HasSuffix(log, "helper end of output seed="+strconv.Itoa(i+1)+"\n"), log)
	}
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Len(t, entries, 5)
	noTempFiles(t, out)

	// 5/10: Wilson 95% interval 23.66%–76.34% (reference values in
	// internal/stats tests).
	text := rep.Text()
	assert.Contains(t, text, "10 runs in ")
	assert.Contains(t, text, "5 failures")
	assert.Contains(t, text, "failure rate: 5/10 = 50.00% (95% CI 23.66%–76.34%)\n")
	assert.Contains(t, text, "logs: "+out+"\n")
	assert.Contains(t, text, "\n5× lost message 6\n")
	assert.Contains(t, text, "    log:   "+g.Logs[0]+"\n")
	assert.Contains(t, text, "    repro: go test -run X\n")
	assert.Contains(t, text, "    debug: interleave debug ...\n")
	assert.Equal(t, "5/10 = 50.00% (95% CI 23.66%–76.34%)", rep.Rate().String())
}

// TestGroupsByIndex: runs end in reverse order of their indexes, yet the
// group lists its lowest-indexed runs by index, with their logs, and takes
// its repro and debug lines from run 0.
func TestGroupsByIndex(t *testing.T) {
	out := t.TempDir()
	status := &syncBuffer{}
	rep, err := run(t, context.Background(), Config{
		Parallel: 6, Count: 6, OutDir: out, Status: status, StatusEvery: time.Hour,
		NewCmd: helperCmd("fail-in-reverse", "STRESS_OUTDIR="+out, "STRESS_LASTSEED=6"),
	})
	require.NoError(t, err)
	// The first failure to be recorded was the last run's.
	require.True(t, strings.HasPrefix(status.String(), "failure in run 5 (seed 6): lost message 6\n"), status.String())
	require.Len(t, rep.Groups, 1)
	g := rep.Groups[0]
	assert.Equal(t, 6, g.Count)
	assert.Equal(t, []Run{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}}, g.Runs)
	var logs []string
	for _, r := range g.Runs {
		logs = append(logs, filepath.Join(out, fmt.Sprintf("fail-%d-seed%d.log", r.Index, r.Seed)))
	}
	assert.Equal(t, logs, g.Logs)
	assert.Equal(t, "go test -seed 1", g.Repro)
	assert.Equal(t, "interleave debug --seed 1", g.Debug)
	assert.Contains(t, rep.Text(), "\n6× lost message 6\n"+
		"    runs:  0 (seed 1), 1 (seed 2), 2 (seed 3), 3 (seed 4), 4 (seed 5), …\n"+
		"    log:   "+logs[0]+"\n"+
		"    repro: go test -seed 1\n")
}

func TestSeedOfAndTempOutDir(t *testing.T) {
	rep, err := run(t, context.Background(), Config{
		Parallel: 2, Count: 3, NewCmd: helperCmd("fail-on-odd-seed"),
		SeedOf: func(i int) int64 { return int64(i)*1000 + 1 }, // all odd: all fail
	})
	require.NoError(t, err)
	require.NotEmpty(t, rep.OutDir)
	t.Cleanup(func() { os.RemoveAll(rep.OutDir) })
	assert.True(t, strings.HasPrefix(filepath.Base(rep.OutDir), "interleave-stress-"), rep.OutDir)
	assert.Equal(t, filepath.Clean(os.TempDir()), filepath.Dir(rep.OutDir))
	assert.Equal(t, 3, rep.Failures)
	for i := range 3 {
		seed := strconv.Itoa(i*1000 + 1)
		data, err := os.ReadFile(filepath.Join(rep.OutDir, "fail-"+strconv.Itoa(i)+"-seed"+seed+".log"))
		require.NoError(t, err)
		assert.Contains(t, string(data), "helper start seed="+seed+"\n")
	}
	noTempFiles(t, rep.OutDir)
}

func TestTimeoutDump(t *testing.T) {
	out := t.TempDir()
	rep, err := run(t, context.Background(), Config{
		Parallel: 2, Count: 2, Timeout: time.Second, OutDir: out, NewCmd: helperCmd("hang"),
	})
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Runs)
	assert.Equal(t, 2, rep.Failures)
	assert.Equal(t, 2, rep.Timeouts)
	require.Len(t, rep.Groups, 1)
	assert.Equal(t, "timeout", rep.Groups[0].Signature)
	require.NotEmpty(t, rep.Groups[0].Logs)
	data, err := os.ReadFile(rep.Groups[0].Logs[0])
	require.NoError(t, err)
	log := string(data)
	assert.Contains(t, log, "# result: timed out after 1s: sent SIGQUIT, then exit status 2 after ")
	assert.Contains(t, log, "helper hanging\n")
	assert.Contains(t, log, "SIGQUIT")
	assert.Contains(t, log, "goroutine ")
	assert.Contains(t, rep.Text(), "2 failures (2 timeouts)")
}

func TestTimeoutKillsAfterGrace(t *testing.T) {
	pids := t.TempDir()
	rep, err := run(t, context.Background(), Config{
		Parallel: 1, Count: 1, Timeout: 500 * time.Millisecond, Grace: 300 * time.Millisecond,
		OutDir: t.TempDir(), NewCmd: helperCmd("hang-nodump", "STRESS_PIDDIR="+pids),
	})
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Timeouts)
	require.Len(t, rep.Groups, 1)
	assert.Equal(t, "timeout", rep.Groups[0].Signature)
	data, err := os.ReadFile(rep.Groups[0].Logs[0])
	require.NoError(t, err)
	assert.Contains(t, string(data), "still running 300ms later: killed its process group")
	assert.Contains(t, string(data), "helper hanging\n")
	for _, pid := range readPIDs(t, pids) {
		assert.False(t, alive(pid), "pid %d survived", pid)
	}
}

func TestLeftoverProcessesAreKilled(t *testing.T) {
	for _, mode := range []string{"orphan-pass", "orphan-fail"} {
		t.Run(mode, func(t *testing.T) {
			pids := t.TempDir()
			rep, err := run(t, context.Background(), Config{
				Parallel: 1, Count: 1, Grace: 300 * time.Millisecond, OutDir: t.TempDir(),
				NewCmd: helperCmd(mode, "STRESS_PIDDIR="+pids),
			})
			require.NoError(t, err)
			assert.Equal(t, 1, rep.Runs)
			if mode == "orphan-fail" {
				assert.Equal(t, 1, rep.Failures)
				require.Len(t, rep.Groups, 1)
				assert.Equal(t, "lost message 6", rep.Groups[0].Signature)
			} else {
				assert.Zero(t, rep.Failures)
			}
			got := readPIDs(t, pids)
			require.Len(t, got, 1)
			deadline := time.Now().Add(hangLimit)
			for alive(got[0]) && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			assert.False(t, alive(got[0]), "grandchild %d survived", got[0])
		})
	}
}

func TestSignaturesFromChildren(t *testing.T) {
	cases := []struct {
		mode string
		want string
	}{
		{"panic", "panic: boom at 0x?"},
		{"race-like", "WARNING: DATA RACE: Write at main.writer() / Previous read at main.reader()"},
		{"exit3", "exit status 3"},
	}
	for _, c := range cases {
		t.Run(c.mode, func(t *testing.T) {
			rep, err := run(t, context.Background(), Config{
				Parallel: 2, Count: 3, OutDir: t.TempDir(), NewCmd: helperCmd(c.mode),
			})
			require.NoError(t, err)
			assert.Equal(t, 3, rep.Failures)
			require.Len(t, rep.Groups, 1, "addresses and goroutine numbers differ per seed but must group")
			assert.Equal(t, c.want, rep.Groups[0].Signature)
			assert.Empty(t, rep.Groups[0].Repro)
		})
	}
}

func TestFailureAndIgnore(t *testing.T) {
	// mode mixed, seeds 1..9: 3,6,9 panic "boom"; 1,4,7 print the
	// INTERLEAVE-FAILURE line; 2,5,8 pass.
	cases := []struct {
		name              string
		failure, ignore   string
		failures, ignored int
		signatures        []string
	}{
		{"all", "", "", 6, 0, []string{"lost message 6", "panic: boom"}},
		{"failure regexp", "lost message", "", 3, 0, []string{"lost message 6"}},
		{"ignore regexp", "", "boom", 3, 3, []string{"lost message 6"}},
		{"both", "lost message", "boom", 3, 3, []string{"lost message 6"}},
		{"ignore wins", "lost message", "lost message", 0, 3, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := Config{Parallel: 2, Count: 9, OutDir: t.TempDir(), NewCmd: helperCmd("mixed")}
			if c.failure != "" {
				cfg.Failure = regexp.MustCompile(c.failure)
			}
			if c.ignore != "" {
				cfg.Ignore = regexp.MustCompile(c.ignore)
			}
			rep, err := run(t, context.Background(), cfg)
			require.NoError(t, err)
			assert.Equal(t, 9, rep.Runs)
			assert.Equal(t, c.failures, rep.Failures)
			assert.Equal(t, c.ignored, rep.Ignored)
			var sigs []string
			for _, g := range rep.Groups {
				sigs = append(sigs, g.Signature)
				assert.Equal(t, 3, g.Count)
			}
			assert.Equal(t, c.signatures, sigs)
			entries, err := os.ReadDir(cfg.OutDir)
			require.NoError(t, err)
			assert.Len(t, entries, c.failures, "only counted failures are logged")
		})
	}
}

func TestFailFast(t *testing.T) {
	// Seed 1 fails after 200ms; every other child hangs until killed (if
	// fail-fast left them running, run's hang guard would fail the test).
	rep, err := run(t, context.Background(), Config{
		Parallel: 2, Count: 50, FailFast: true, OutDir: t.TempDir(), NewCmd: helperCmd("failfast"),
	})
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Failures)
	assert.GreaterOrEqual(t, rep.Runs, 1)
	assert.Less(t, rep.Runs+rep.Aborted, 50, "fail-fast must stop launching children")
	assert.GreaterOrEqual(t, rep.Aborted, 1, "the sleeping child is killed")
	require.Len(t, rep.Groups, 1)
	assert.Equal(t, []Run{{Index: 0, Seed: 1}}, rep.Groups[0].Runs)
	assert.Contains(t, rep.Text(), "aborted")
}

func TestCancelKillsEverything(t *testing.T) {
	pids := t.TempDir()
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Odd seeds fail at once, even ones hang with a grandchild in their
	// process group: runs 0 and 2 fail, runs 1 and 3 hang (4 processes).
	go func() {
		deadline := time.Now().Add(hangLimit)
		for time.Now().Before(deadline) {
			entries, _ := os.ReadDir(pids)
			if len(entries) >= 4 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	rep, err := run(t, ctx, Config{
		Parallel: 2, Count: 10, Timeout: 10 * time.Minute, OutDir: out,
		NewCmd: helperCmd("fail-or-hang-tree", "STRESS_PIDDIR="+pids),
	})
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "interrupted after 2 runs")

	assert.Equal(t, 2, rep.Runs)
	assert.Equal(t, 2, rep.Failures)
	assert.Equal(t, 2, rep.Aborted)
	assert.Zero(t, rep.Timeouts)
	require.Len(t, rep.Groups, 1)
	assert.Equal(t, 2, rep.Groups[0].Count)

	// The logs written before the interruption are kept, complete.
	noTempFiles(t, out)
	for _, name := range []string{"fail-0-seed1.log", "fail-2-seed3.log"} {
		data, err := os.ReadFile(filepath.Join(out, name))
		require.NoError(t, err)
		assert.Contains(t, string(data), "helper end of output")
	}
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Len(t, entries, 2)

	// No child or grandchild survives.
	got := readPIDs(t, pids)
	require.Len(t, got, 4)
	deadline := time.Now().Add(hangLimit)
	for _, pid := range got {
		for alive(pid) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		assert.False(t, alive(pid), "pid %d survived", pid)
	}
}

func TestCancelBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := run(t, ctx, Config{Parallel: 2, Count: 5, NewCmd: helperCmd("pass")})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, rep.Runs)
}

func TestUnlimitedCount(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	rep, err := run(t, ctx, Config{Parallel: 2, NewCmd: helperCmd("pass")})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Positive(t, rep.Runs)
	assert.Zero(t, rep.Failures)
}

// failureNote is the status line that announces the first failure of a
// signature, from any run of the slow-fail-on-odd-seed helper.
var failureNote = regexp.MustCompile(`failure in run [024] \(seed [135]\): lost message 6\n?`)

func TestStatusLines(t *testing.T) {
	status := &syncBuffer{}
	rep, err := run(t, context.Background(), Config{
		Parallel: 2, Count: 6, OutDir: t.TempDir(), NewCmd: helperCmd("slow-fail-on-odd-seed"),
		Status: status, StatusEvery: 10 * time.Millisecond,
	})
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Failures)
	text := status.String()
	lineRE := regexp.MustCompile(`^[0-9.]+m?s: \d+ runs so far, \d+ failures \(\d+\.\d\d%\), \d+ ignored, [0-2] active$`)
	var statusLines, notes int
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		switch {
		case lineRE.MatchString(line):
			statusLines++
		case failureNote.MatchString(line):
			// Runs 0, 2 and 4 fail; under load any of them may end first.
			notes++
		case strings.HasPrefix(line, "  log: "+rep.OutDir):
		default:
			t.Errorf("unexpected status line %q", line)
		}
	}
	assert.Positive(t, statusLines, text)
	assert.Equal(t, 1, notes, "a signature is announced once")
	assert.NotContains(t, text, "\r")
}

func TestStatusLive(t *testing.T) {
	status := &syncBuffer{}
	_, err := run(t, context.Background(), Config{
		Parallel: 2, Count: 4, OutDir: t.TempDir(), NewCmd: helperCmd("slow-fail-on-odd-seed"),
		Status: status, Live: true, StatusEvery: 10 * time.Millisecond,
	})
	require.NoError(t, err)
	text := status.String()
	assert.Contains(t, text, "\r[")
	// Runs 0 and 2 fail; under load either may end first, and the
	// signature is announced once, by whichever does.
	assert.Len(t, failureNote.FindAllString(text, -1), 1, text)
	assert.Regexp(t, `\r\[=+\] 4/4 runs, 2 failures \(50\.00%\), 0 ignored, 0 active, \S+ *\n$`, text)
}

func TestOutputCap(t *testing.T) {
	out := t.TempDir()
	rep, err := run(t, context.Background(), Config{
		Parallel: 1, Count: 1, OutDir: out, MaxOutput: 1 << 20, NewCmd: helperCmd("big"),
	})
	require.NoError(t, err)
	require.Len(t, rep.Groups, 1)
	assert.Equal(t, "lost message 6", rep.Groups[0].Signature, "the tail of the output is kept")
	data, err := os.ReadFile(rep.Groups[0].Logs[0])
	require.NoError(t, err)
	assert.Less(t, len(data), 1<<20+4096)
	assert.Contains(t, string(data), "bytes of output dropped")
	assert.True(t, strings.HasSuffix(string(data), "helper end of output\n"))
}

func TestStartErrors(t *testing.T) {
	rep, err := run(t, context.Background(), Config{
		Parallel: 2, Count: 5,
		NewCmd: func(ctx context.Context, _ Run) *exec.Cmd {
			return exec.CommandContext(ctx, filepath.Join(t.TempDir(), "no-such-binary"))
		},
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "stress: starting run")
	assert.Zero(t, rep.Runs)
	assert.Zero(t, rep.Failures)

	_, err = run(t, context.Background(), Config{
		Count:  1,
		NewCmd: func(context.Context, Run) *exec.Cmd { return nil },
	})
	assert.ErrorContains(t, err, "nil command")
}

func TestNewValidates(t *testing.T) {
	_, err := New(Config{})
	assert.ErrorContains(t, err, "NewCmd is required")
	newCmd := helperCmd("pass")
	for _, cfg := range []Config{
		{NewCmd: newCmd, Parallel: -1},
		{NewCmd: newCmd, Timeout: -1},
		{NewCmd: newCmd, Grace: -1},
		{NewCmd: newCmd, StatusEvery: -1},
		{NewCmd: newCmd, MaxOutput: -1},
	} {
		_, err := New(cfg)
		assert.Error(t, err)
	}
	e, err := New(Config{NewCmd: newCmd})
	require.NoError(t, err)
	c := e.Config()
	assert.Positive(t, c.Parallel)
	assert.Equal(t, DefaultTimeout, c.Timeout)
	assert.Equal(t, DefaultGrace, c.Grace)
	assert.Equal(t, DefaultStatusEvery, c.StatusEvery)
	assert.Equal(t, int64(1), c.SeedOf(0))
	assert.Equal(t, int64(43), c.SeedOf(42))
	e, err = New(Config{NewCmd: newCmd, Live: true})
	require.NoError(t, err)
	assert.Equal(t, DefaultLiveStatusEvery, e.Config().StatusEvery)
}

func TestReportJSON(t *testing.T) {
	rep := &Report{
		Name: "naive", Runs: 10, Failures: 2, Ignored: 1, Timeouts: 1, Elapsed: time.Second, OutDir: "/tmp/x",
		Groups: []Group{{Signature: "s", Count: 2, Runs: []Run{{Index: 1, Seed: 2}}, Logs: []string{"l"}, Repro: "r", Debug: "d"}},
	}
	data, err := json.Marshal(rep)
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"naive","runs":10,"failures":2,"ignored":1,"timeouts":1,"aborted":0,
		"elapsed_ns":1000000000,"out_dir":"/tmp/x",
		"groups":[{"signature":"s","count":2,"runs":[{"index":1,"seed":2}],"logs":["l"],"repro":"r","debug":"d"}]}`, string(data))
}

func TestReportTextGroups(t *testing.T) {
	rep := &Report{
		Runs: 1920, Failures: 14, Elapsed: 83 * time.Second, OutDir: "/tmp/logs",
		Groups: []Group{
			{Signature: "lost message 6", Count: 12, Runs: []Run{{0, 1}, {4, 5}}, Logs: []string{"/tmp/logs/fail-0-seed1.log"}, Repro: "go test -run X -seed 1"},
			{Signature: "timeout", Count: 2, Runs: []Run{{7, 8}, {9, 10}}, Logs: []string{"/tmp/logs/fail-7-seed8.log", "/tmp/logs/fail-9-seed10.log"}},
		},
	}
	want := "1920 runs in 1m23s: 14 failures\n" +
		"failure rate: 14/1920 = 0.73% (95% CI 0.43%–1.22%)\n" +
		"logs: /tmp/logs\n" +
		"\n12× lost message 6\n" +
		"    runs:  0 (seed 1), 4 (seed 5), …\n" +
		"    log:   /tmp/logs/fail-0-seed1.log\n" +
		"    repro: go test -run X -seed 1\n" +
		"\n2× timeout\n" +
		"    runs:  7 (seed 8), 9 (seed 10)\n" +
		"    log:   /tmp/logs/fail-7-seed8.log\n"
	assert.Equal(t, want, rep.Text())
}

func TestPlural(t *testing.T) {
	assert.Equal(t, "1 run", plural(1, "run"))
	assert.Equal(t, "0 runs", plural(0, "run"))
	assert.Equal(t, "2 strategies", plural(2, "strategy"))
	assert.Equal(t, "3 delays", plural(3, "delay"))
	assert.Equal(t, "(2 timeouts)", "("+plural(2, "timeout")+")")
}

func TestCompare(t *testing.T) {
	naive := &Report{Name: "naive", Runs: 1920, Failures: 14}
	fixed := &Report{Name: "fixed", Runs: 1920, Failures: 0}
	// Fisher p for 14/1920 vs 0/1920 is 0.000119 (see internal/stats).
	got := Compare(naive, fixed)
	assert.Equal(t, "naive: 14/1920 = 0.73% (95% CI 0.43%–1.22%)\n"+
		"fixed: 0/1920 = 0% (95% upper bound 0.20%)\n"+
		"Fisher's exact test: p=0.00012\n"+
		"naive fails more often than fixed (p=0.00012)\n", got)
	assert.True(t, strings.HasSuffix(Compare(fixed, naive), "naive fails more often than fixed (p=0.00012)\n"))

	// 30/1000 vs 18/1000: p = 0.107, not significant.
	got = Compare(&Report{Runs: 1000, Failures: 30}, &Report{Runs: 1000, Failures: 18})
	assert.Contains(t, got, "a: 30/1000 = 3.00% (95% CI ")
	assert.Contains(t, got, "b: 18/1000 = 1.80% (95% CI ")
	assert.True(t, strings.HasSuffix(got, "no significant difference (p=0.11)\n"), got)

	got = Compare(&Report{Name: "x", Runs: 10, Failures: 1}, &Report{Name: "x", Runs: 10, Failures: 1})
	assert.Contains(t, got, "x #1: ")
	assert.Contains(t, got, "no significant difference (p=1.00)")

	assert.Contains(t, Compare(&Report{Runs: 5}, nil), "cannot compare")
}
