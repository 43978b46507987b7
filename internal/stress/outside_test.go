//go:build unix

package stress

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInterruptedChildIsAborted: a child ended by a SIGINT from outside
// (the user's Ctrl-C, a kill -INT) has no verdict: it counts as aborted,
// not as a failure, and the run goes on.
func TestInterruptedChildIsAborted(t *testing.T) {
	rep, err := run(t, context.Background(), Config{Parallel: 2, Count: 6, OutDir: t.TempDir(), NewCmd: helperCmd("sigint-odd-seed")})
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Runs)
	assert.Zero(t, rep.Failures)
	assert.Equal(t, 3, rep.Aborted)
	assert.Contains(t, rep.Text(), "3 runs in ")
	assert.Contains(t, rep.Text(), ": 0 failures, 3 aborted\n")
}

// TestCheckSummary: a child that exits 0 without saying what it ran is a
// failure, not a pass.
func TestCheckSummary(t *testing.T) {
	rep, err := run(t, context.Background(), Config{Parallel: 2, Count: 4, OutDir: t.TempDir(),
		NewCmd: helperCmd("summary-on-even-seed"), Check: CheckSummary(1)})
	require.NoError(t, err)
	assert.Equal(t, 4, rep.Runs)
	assert.Equal(t, 2, rep.Failures, "seeds 1 and 3 print no summary")
	require.Len(t, rep.Groups, 1)
	assert.Equal(t, "exited 0 without its end-of-run summary (no INTERLEAVE-SUMMARY line)", rep.Groups[0].Signature)
	assert.Equal(t, []Run{{0, 1}, {2, 3}}, rep.Groups[0].Runs)

	check := CheckSummary(20)
	for _, c := range []struct {
		out  string
		want string
	}{
		{"INTERLEAVE-SUMMARY {\"first_seed\":21,\"seeds\":20,\"schedules\":40}\n", ""},
		{"INTERLEAVE-SUMMARY {\"first_seed\":1,\"seeds\":20,\"schedules\":40}\n", "exited 0 having run seeds 1.. (20 of them), not 21.. (20)"},
		{"INTERLEAVE-SUMMARY {\"first_seed\":21,\"seeds\":20,\"schedules\":0}\n", "exited 0 having run no schedule"},
		{"INTERLEAVE-SUMMARY {\"first_seed\":\n", "exited 0 without its end-of-run summary (malformed INTERLEAVE-SUMMARY line: unexpected end of JSON input)"},
		{"PASS\n", "exited 0 without its end-of-run summary (no INTERLEAVE-SUMMARY line)"},
	} {
		err := check(Run{Index: 1, Seed: 21}, []byte(c.out))
		if c.want == "" {
			assert.NoError(t, err, c.out)
		} else {
			assert.EqualError(t, err, c.want, c.out)
		}
	}
}

// TestChildrenDieWithTheEngine: when the process that runs the engine is
// killed outright (SIGKILL: no cleanup can run), its children die too
// instead of running on.
func TestChildrenDieWithTheEngine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("a parent-death signal is Linux's")
	}
	pids := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=engine", "STRESS_PIDDIR="+pids)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()
	require.Eventually(t, func() bool { return len(readDir(pids)) == 2 }, hangLimit, 10*time.Millisecond, "two children: %s", out.String())
	children := readPIDs(t, pids)
	for _, pid := range children {
		require.True(t, alive(pid))
	}
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	assert.Eventually(t, func() bool {
		for _, pid := range children {
			if alive(pid) {
				return false
			}
		}
		return true
	}, hangLimit, 10*time.Millisecond, "children outlived the engine: %v", children)
	assert.False(t, strings.Contains(out.String(), "the engine returned"), out.String())
}
