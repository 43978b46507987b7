//go:build unix

package main

import (
	"bufio"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The exit paths of the commands that build and start things: whatever
// ends them (a reader that went away, Ctrl-C during the build, twice, or a
// signal to the whole process group), the temporary binaries, the go
// command's work directory and every process started are gone.

// pidGone reports whether pid no longer runs (dead, or a zombie).
func pidGone(pid int) bool {
	return syscall.Kill(pid, 0) != nil || zombie(pid)
}

// requireNothingLeft checks that tmp (the command's TMPDIR) is empty.
func requireNothingLeft(t *testing.T, tmp string) {
	t.Helper()
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.Empty(t, names, "left behind in TMPDIR")
}

// headOf runs interleave with args and reads n lines of its stdout, then
// closes the pipe, as `interleave ... | head -n` does, and waits for it.
func headOf(t *testing.T, n int, env []string, dir string, args ...string) (lines []string, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(interleaveBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var errBuf syncBuffer
	cmd.Stderr = &errBuf
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(out)
	for len(lines) < n && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	require.NoError(t, out.Close())
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err = <-waited:
	case <-time.After(hangLimit):
		t.Fatalf("interleave %s did not end once its reader was gone: %s", strings.Join(args, " "), errBuf.String())
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws := ee.Sys().(syscall.WaitStatus); ws.Signaled() {
			t.Fatalf("killed by %v (stderr: %s)", ws.Signal(), errBuf.String())
		}
	}
	return lines, errBuf.String(), cmd.ProcessState.ExitCode()
}

// TestStressIntoClosedPipe: `interleave stress ... | head -2` once died of
// SIGPIPE and left its 14 MB test binary behind. The closed pipe is an
// error now: the run stops, cleans up, says so and exits 2.
func TestStressIntoClosedPipe(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	lines, stderr, code := headOf(t, 2, []string{"TMPDIR=" + tmp}, repoDir,
		"stress", "-strategy", "fixed", "-mode", "wild", "-p", "2", "-count", "4", "-schedules", "100002", "cross-replica-fallback")
	require.Len(t, lines, 2)
	require.True(t, strings.HasPrefix(lines[0], "building: go test -c -o "+tmp), lines[0])
	require.Equal(t, 2, code, stderr)
	require.True(t, strings.HasSuffix(stderr, "interleave: writing standard output: broken pipe\n"), stderr)
	requireNothingLeft(t, tmp)
	require.Eventually(t, func() bool { return len(children(t, "100002")) == 0 }, hangLimit, 10*time.Millisecond, "children left behind")
}

// TestDebugIntoClosedPipe: `interleave debug ... --trace | head -3`, as
// for stress: no binary, no dlv, no program left behind.
func TestDebugIntoClosedPipe(t *testing.T) {
	t.Parallel()
	dlvNeeded(t)
	tmp := t.TempDir()
	args := append([]string{"debug"}, dbgTestSchedule...)
	lines, stderr, code := headOf(t, 3, []string{"TMPDIR=" + tmp}, repoDir, append(args, "--strategy", "naive", "--trace")...)
	require.Len(t, lines, 3, stderr)
	require.Equal(t, "interleave debug: promote-while-requires-action-by-id / naive / pct(d=3) seed 8", lines[0])
	require.Equal(t, 2, code, stderr)
	require.True(t, strings.HasSuffix(stderr, "interleave: writing standard output: broken pipe\n"), stderr)
	requireNothingLeft(t, tmp)
}

// dlvNeeded fails the test without Delve: debug's tests need it (make
// tools installs it).
func dlvNeeded(t *testing.T) {
	t.Helper()
	_, err := os.Stat(filepath.Join(repoDir, "bin", "dlv"))
	require.NoError(t, err, "these tests need Delve: run 'make tools'")
}

// fakeGoOnPath puts first on PATH a go command that makes a work directory
// in $GOTMPDIR, starts a child (its PID in pids/child), writes its own PID
// (pids/go) and waits: a build that is surely in progress.
func fakeGoOnPath(t *testing.T, pids string) string {
	t.Helper()
	bin := t.TempDir()
	script := "#!/bin/sh\nmkdir \"$GOTMPDIR/go-build1\" || exit 1\nsleep 3600 &\necho $! > \"" + pids + "/child\"\necho $$ > \"" + pids + "/go.tmp\"\nmv \"" + pids + "/go.tmp\" \"" + pids + "/go\"\nwait\n"
	require.NoError(t, os.WriteFile(filepath.Join(bin, "go"), []byte(script), 0o755))
	return "PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")
}

func readPIDFile(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	require.NoError(t, err)
	return pid
}

// TestInterruptDuringBuild interrupts stress and debug while they build
// their test binary: once by a SIGINT to the whole process group (as a
// terminal's Ctrl-C, or kill -INT -PGID), once by two Ctrl-C in a row. The
// go command (and what it started) is killed, its work directory and the
// command's temporary directory removed, and the exit status is 130 (was
// 2, and the go command's work directory stayed).
func TestInterruptDuringBuild(t *testing.T) {
	t.Parallel()
	dlvNeeded(t)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"stress", []string{"stress", "-count", "4"}},
		{"debug", append(append([]string{"debug"}, dbgTestSchedule...), "--strategy", "naive", "--trace")},
	} {
		for _, how := range []string{"group", "twice"} {
			t.Run(tc.name+"/"+how, func(t *testing.T) {
				t.Parallel()
				tmp, pids := t.TempDir(), t.TempDir()
				cmd := exec.Command(interleaveBin, tc.args...)
				cmd.Dir = repoDir
				cmd.Env = append(os.Environ(), "TMPDIR="+tmp, fakeGoOnPath(t, pids))
				cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // a group of its own, to signal
				var stderr syncBuffer
				cmd.Stdout, cmd.Stderr = io.Discard, &stderr
				require.NoError(t, cmd.Start())
				defer cmd.Process.Kill()
				require.Eventually(t, func() bool { _, err := os.Stat(filepath.Join(pids, "go")); return err == nil },
					hangLimit, 10*time.Millisecond, "the build never started: %s", stderr.String())
				goPID, childPID := readPIDFile(t, filepath.Join(pids, "go")), readPIDFile(t, filepath.Join(pids, "child"))
				if how == "group" {
					require.NoError(t, syscall.Kill(-cmd.Process.Pid, syscall.SIGINT))
				} else {
					require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
					require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
				}
				waited := make(chan error, 1)
				go func() { waited <- cmd.Wait() }()
				select {
				case <-waited:
				case <-time.After(hangLimit):
					t.Fatalf("did not end: %s", stderr.String())
				}
				require.Equal(t, 130, cmd.ProcessState.ExitCode(), stderr.String())
				require.Eventually(t, func() bool { return pidGone(goPID) && pidGone(childPID) }, hangLimit, 10*time.Millisecond,
					"the build runs on")
				requireNothingLeft(t, tmp)
			})
		}
	}
}

// TestStressInterruptAfterFailures: a wild run interrupted after it found
// failures reports them, marked interrupted, and exits 130 as documented
// (it exited 1).
func TestStressInterruptAfterFailures(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(interleaveBin, "stress", "-strategy", "naive", "-mode", "wild", "-p", "2", "-count", "100000", "-schedules", "20", "-o", t.TempDir(), "promote-while-requires-action")
	cmd.Env = append(os.Environ(), prebuilt()...)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(out)
	var text strings.Builder
	for sc.Scan() {
		text.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "failure in run ") {
			break
		}
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	for sc.Scan() {
		text.WriteString(sc.Text() + "\n")
	}
	require.Error(t, cmd.Wait())
	require.Equal(t, 130, cmd.ProcessState.ExitCode(), "%s%s", text.String(), stderr.String())
	require.Contains(t, text.String(), "\ninterrupted: this report covers the children that finished; every log is kept\n")
	require.Regexp(t, `(?m)^naive: \d+ runs? in \S+: [1-9]\d* failures?`, text.String())
}
