//go:build unix

package cleanup

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReleaseAndNow: a released directory is removed at once and no longer
// registered; Now removes what is still registered and kills the process
// groups, and an unregistered group is left alone.
func TestReleaseAndNow(t *testing.T) {
	base := t.TempDir()
	a, b := filepath.Join(base, "a"), filepath.Join(base, "b")
	require.NoError(t, os.Mkdir(a, 0o700))
	require.NoError(t, os.Mkdir(b, 0o700))
	removeA := Dir(a)
	removeB := Dir(b)
	defer removeB()
	removeA()
	require.NoDirExists(t, a)
	require.NoError(t, os.Mkdir(a, 0o700)) // made again, no longer registered

	start := func() *exec.Cmd {
		cmd := exec.Command("sleep", "3600")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		require.NoError(t, cmd.Start())
		return cmd
	}
	kept, killed, startedKilled := start(), start(), exec.Command("sleep", "3600")
	defer kept.Process.Kill()
	Group(kept.Process.Pid)()
	defer Group(killed.Process.Pid)()
	startedKilled.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	unregister, err := StartGroup(startedKilled)
	require.NoError(t, err)
	defer unregister()

	Now()
	require.DirExists(t, a)
	require.NoDirExists(t, b)
	for _, cmd := range []*exec.Cmd{killed, startedKilled} {
		require.Error(t, cmd.Wait())
		require.Equal(t, syscall.SIGKILL, cmd.ProcessState.Sys().(syscall.WaitStatus).Signal())
	}
	require.NoError(t, kept.Process.Signal(syscall.Signal(0)), "an unregistered group is left alone")
}
