package main

import (
	"bufio"
	"bytes"
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// interruptAt starts interleave with args, waits for a line on its stderr
// that matches at, sends SIGINT and returns how the command ended.
func interruptAt(t *testing.T, at *regexp.Regexp, args ...string) (result, string) {
	t.Helper()
	cmd := exec.Command(interleaveBin, args...)
	cmd.Dir = t.TempDir()
	var stdout syncBuffer // read below while the command writes it
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var errOut strings.Builder
	deadline := time.After(hangLimit)
	for seen := false; !seen; {
		select {
		case line, ok := <-lines:
			require.True(t, ok, "ended before %s: %s%s", at, stdout.String(), errOut.String())
			errOut.WriteString(line + "\n")
			seen = at.MatchString(line)
		case <-deadline:
			t.Fatalf("no line matching %s: %s", at, errOut.String())
		}
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	for ended := false; !ended; {
		select {
		case line, ok := <-lines:
			ended = !ok
			errOut.WriteString(line + "\n")
		case <-deadline:
			t.Fatalf("did not stop: %s", errOut.String())
		}
	}
	_ = cmd.Wait()
	return result{stdout: stdout.String(), stderr: errOut.String(), code: cmd.ProcessState.ExitCode()}, errOut.String()
}

// TestExploreInterrupt: Ctrl-C after explore found a failure prints the
// report so far, marked interrupted, saves the failure and exits 130.
func TestExploreInterrupt(t *testing.T) {
	t.Parallel()
	save := t.TempDir()
	r, _ := interruptAt(t, regexp.MustCompile(`^explore: schedule \d+ \(seed \d+\) fails; exploring on`),
		"explore", "--scenario", "out-of-order", "--strategy", "naive", "--search", "random", "--budget", "1000000000", "--save", save)
	require.Equal(t, 130, r.code, r.stdout+r.stderr)
	require.True(t, strings.HasPrefix(r.stdout, "interrupted: this report covers the "), r.stdout)
	require.Regexp(t, `(?m)^out-of-order / naive / random: \d+ schedules, \d+ failing, in `, r.stdout)
	require.Contains(t, r.stdout, "verdict: fail; first failure at schedule ")
	m := regexp.MustCompile(`(?m)^schedule saved to (\S+) \(replay: (.+)\)$`).FindStringSubmatch(r.stdout)
	require.NotNil(t, m, r.stdout)
	require.FileExists(t, m[1])
	hash := regexp.MustCompile(`trace hash (\S+)`).FindStringSubmatch(r.stdout)
	p := paste(t, m[2])
	require.Equal(t, 1, p.code, p.out)
	require.Contains(t, p.out, "trace hash "+hash[1])

	// With --json: one object, interrupted.
	js, _ := interruptAt(t, regexp.MustCompile(`^explore: schedule \d+ \(seed \d+\) fails`),
		"explore", "--scenario", "out-of-order", "--strategy", "naive", "--search", "random", "--budget", "1000000000", "--json")
	require.Equal(t, 130, js.code)
	out := decode[exploreJSON](t, js)
	require.True(t, out.Interrupted)
	require.NotNil(t, out.First)
	require.Positive(t, out.Failures)
}

// TestMatrixInterrupt: Ctrl-C after a cell failed, while another cell runs
// on, prints the report so far (the failing cell's counterexample, the
// other cell without a verdict), saves the counterexample and exits 130.
// The progress of each cell is on stderr as it ends.
func TestMatrixInterrupt(t *testing.T) {
	t.Parallel()
	save := t.TempDir()
	r, stderr := interruptAt(t, regexp.MustCompile(`^\[1/2\] cross-replica-fallback / naive: fail after \d+ \((pct\(d=\d\)|random)\); searches \S+, shrinking \S+, \S+$`),
		// naive's cell ends once each of its four searches has failed,
		// within a few schedules each, and its failure is shrunk (a few
		// milliseconds here); fixed's, four full budgets (about 0.4 s
		// without -race), is still running when Ctrl-C comes. (On
		// out-of-order, where pct with depth 1 never fails, naive's cell
		// ran a full budget too and took as long as fixed's.)
		"matrix", "--scenario", "cross-replica-fallback", "--strategy", "naive,fixed", "-p", "2", "--budget", "5000", "--save", save)
	require.Equal(t, 130, r.code, r.stdout+r.stderr)
	require.Contains(t, stderr, "matrix: 1 scenario x 2 strategies, 2 cells, 2 at a time ...\n")
	require.Regexp(t, `(?m)^\[2/2\] cross-replica-fallback / fixed: interrupted after \d+ schedules, \S+$`, stderr)
	require.Contains(t, r.stdout, "\ninterrupted: this report covers the work done before Ctrl-C\n")
	require.Regexp(t, `(?m)^cross-replica-fallback +naive +fail +fail +\d+ +after \d+ \S+ \S+( +(\d+|-)){4} +\S+$`, r.stdout)
	require.Regexp(t, `(?m)^cross-replica-fallback +fixed +- +pass +\d+ +-( +(\d+|-)){0,4} +\S+ +interrupted$`, r.stdout)
	require.Contains(t, r.stdout, "2 cells: 1 fail as expected, 0 pass as expected, 0 UNEXPECTED, 1 without a verdict")
	require.Contains(t, r.stdout, "\n=== cross-replica-fallback / naive: fail (as expected)\n")
	files, err := filepath.Glob(filepath.Join(save, "cross-replica-fallback", "naive-shrunk-*.schedule"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	rerun := regexp.MustCompile(`(?m)^Rerun: +(.+)$`).FindStringSubmatch(r.stdout)
	require.NotNil(t, rerun)
	require.Equal(t, "go run ./cmd/interleave replay "+files[0]+" --trace", rerun[1])
	hash := regexp.MustCompile(`trace hash (\S+)`).FindStringSubmatch(r.stdout)
	p := paste(t, rerun[1])
	require.Equal(t, 1, p.code, p.out)
	require.Contains(t, p.out, "trace hash "+hash[1])
}

// TestMatrixProgressOnTerminal: on a terminal the progress is one live line
// on stdout, rewritten as each cell ends and erased before the report.
func TestMatrixProgressOnTerminal(t *testing.T) {
	dbgSetHook(t, &matrixIsTerminal, func(io.Writer) bool { return true })
	t.Setenv("TMPDIR", t.TempDir())
	var stdout, stderr bytes.Buffer
	code := Main([]string{"matrix", "--scenario", "out-of-order", "--strategy", "naive,fixed", "--budget", "5", "-p", "1"}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	require.Empty(t, stderr.String())
	out := stdout.String()
	require.True(t, strings.HasPrefix(out, "\r\033[Kmatrix: 1 scenario x 2 strategies, 2 cells, 1 at a time ...\r\033[K[1/2] out-of-order / naive: fail after "), "%q", out)
	require.Regexp(t, "\r\033\\[K\\[2/2\\] out-of-order / fixed: pass, 20 schedules, \\S+\r\033\\[K1 scenario x 2 strategies; ", out)
	_, report, _ := strings.Cut(out, "\r\033[K1 scenario")
	require.NotContains(t, report, "\r", "the report itself is plain text")
}
