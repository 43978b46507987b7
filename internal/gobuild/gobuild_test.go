//go:build unix

package gobuild

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/internal/cleanup"
)

// goEnv returns `go env name`, read before a test changes HOME.
func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "env", name).Output()
	require.NoError(t, err)
	return strings.TrimSpace(string(out))
}

// TestBuildLeavesNothing builds a test binary with HOME and TMPDIR pointing
// at empty directories: the binary is written, and nothing else is, under
// either (the build and module caches are named by GOCACHE and
// GOMODCACHE, as a user's are).
func TestBuildLeavesNothing(t *testing.T) {
	t.Setenv("GOCACHE", goEnv(t, "GOCACHE"))
	t.Setenv("GOMODCACHE", goEnv(t, "GOMODCACHE"))
	t.Setenv("GOFLAGS", "-mod=mod")
	home, tmp, src := t.TempDir(), t.TempDir(), t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("TMPDIR", tmp)
	require.NoError(t, os.WriteFile(filepath.Join(src, "go.mod"), []byte("module example.com/x\n\ngo 1.26\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(src, "x_test.go"), []byte("package x\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) {}\n"), 0o644))
	out := filepath.Join(src, "x.test")
	got, err := Test(context.Background(), Options{Dir: src, Pkg: ".", Out: out})
	require.NoError(t, err, string(got))
	require.FileExists(t, out)
	for _, dir := range []string{home, tmp} {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.Empty(t, entries, "written under %s", dir)
	}
}

// fakeGo puts a go command on PATH that makes a work directory in
// GOTMPDIR, starts a child in its process group, writes both PIDs into
// pids and waits.
func fakeGo(t *testing.T, pids string) {
	t.Helper()
	bin := t.TempDir()
	script := "#!/bin/sh\nmkdir \"$GOTMPDIR/go-build1\" || exit 1\nsleep 3600 &\necho $! > \"" + pids + "/child\"\necho $$ > \"" + pids + "/go.tmp\"\nmv \"" + pids + "/go.tmp\" \"" + pids + "/go\"\nwait\n"
	require.NoError(t, os.WriteFile(filepath.Join(bin, "go"), []byte(script), 0o755))
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
}

func readPID(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	require.NoError(t, err)
	return pid
}

// gone reports whether pid no longer runs (dead or a zombie).
func gone(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return true
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return os.IsNotExist(err)
	}
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && (s[i+2] == 'Z' || s[i+2] == 'X')
}

// procState describes pid for a failure message: its /proc stat line.
func procState(pid int) string {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return fmt.Sprintf("pid %d: %v", pid, err)
	}
	return strings.TrimSpace(string(stat))
}

// TestCancelledBuildLeavesNothing: when the context is done, the go
// command and everything it started are killed and its work directory
// removed.
func TestCancelledBuildLeavesNothing(t *testing.T) {
	pids, tmp := t.TempDir(), t.TempDir()
	t.Setenv("TMPDIR", tmp)
	fakeGo(t, pids)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := Test(ctx, Options{Dir: t.TempDir(), Pkg: ".", Out: "x.test"})
		done <- err
	}()
	require.Eventually(t, func() bool { _, err := os.Stat(filepath.Join(pids, "go")); return err == nil }, time.Minute, 10*time.Millisecond)
	matches, _ := filepath.Glob(filepath.Join(tmp, "interleave-gobuild-*", "work", "go-build1"))
	require.Len(t, matches, 1, "the go command's work directory is ours")
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(time.Minute):
		t.Fatal("a cancelled build did not return")
	}
	require.True(t, gone(readPID(t, filepath.Join(pids, "go"))), "the go command runs on")
	require.Eventually(t, func() bool { return gone(readPID(t, filepath.Join(pids, "child"))) }, time.Minute, 10*time.Millisecond, "its child runs on")
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	require.Empty(t, entries)
}

// TestCleanupNowStopsABuild: the abrupt exit (a second Ctrl-C) kills the
// build and removes its directories though the build itself is still
// waiting.
func TestCleanupNowStopsABuild(t *testing.T) {
	pids, tmp := t.TempDir(), t.TempDir()
	t.Setenv("TMPDIR", tmp)
	fakeGo(t, pids)
	done := make(chan error, 1)
	go func() {
		_, err := Test(context.Background(), Options{Dir: t.TempDir(), Pkg: ".", Out: "x.test"})
		done <- err
	}()
	require.Eventually(t, func() bool { _, err := os.Stat(filepath.Join(pids, "go")); return err == nil }, time.Minute, 10*time.Millisecond)
	goPID, childPID := readPID(t, filepath.Join(pids, "go")), readPID(t, filepath.Join(pids, "child"))
	cleanup.Now()
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	require.Empty(t, entries, "Now removes the directories")
	// The build returns once every process of its group has closed its
	// output: all were killed.
	select {
	case err := <-done:
		require.Error(t, err, "the killed build fails")
	case <-time.After(time.Minute):
		t.Fatalf("the build did not return: go %s, its child %s", procState(goPID), procState(childPID))
	}
	// (A killed process may show as running for a moment while it exits.)
	require.Eventually(t, func() bool { return gone(goPID) && gone(childPID) }, time.Minute, 10*time.Millisecond)
	require.True(t, gone(goPID), "the go command runs on: %s", procState(goPID))
	require.True(t, gone(childPID), "its child runs on: %s", procState(childPID))
}
