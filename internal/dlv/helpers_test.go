package dlv

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// targetPkg is the import path of testdata/target; Delve names its
// functions "<import path>.<func>" even though they live in _test.go files.
const targetPkg = "github.com/interleave/interleave/internal/dlv/testdata/target"

// hangGuard bounds how long a cancelled or timed-out Trace or Interactive
// may take to return. The target sleeps for an hour, so returning within
// it shows that cancellation ended the session rather than the program's
// end; it is far above the package's own shutdown timers (a few seconds)
// so that a slow machine does not fail it: a hang guard, not a latency
// bound.
const hangGuard = 2 * time.Minute

// returnsWithin runs f and fails the test if f has not returned within
// hangGuard (f then keeps running: the test is lost anyway).
func returnsWithin(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(hangGuard):
		t.Fatalf("%s has not returned after %v: it hangs", what, hangGuard)
	}
}

// shared holds the target binary, built once for the whole package run.
var shared struct {
	dir  string
	once sync.Once
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dlv-pkg-test-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	shared.dir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// repoRoot walks up from the test's working directory to the go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "no go.mod above the test's working directory")
		dir = parent
	}
}

// dlvPath returns the repo's bin/dlv (or dlv on PATH). A missing dlv is a
// failure, not a skip: CI installs it with `make tools`.
func dlvPath(t *testing.T) string {
	t.Helper()
	p, err := Find(repoRoot(t))
	require.NoError(t, err, "these tests need Delve: run 'make tools' (installs %s@%s into bin/)", DelveModule, DelveVersion)
	return p
}

// targetBinary builds testdata/target once, with optimisations off.
func targetBinary(t *testing.T) string {
	t.Helper()
	shared.once.Do(func() {
		shared.bin = filepath.Join(shared.dir, "target.test")
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		shared.err = BuildTestBinary(ctx, filepath.Join("testdata", "target"), shared.bin, false)
	})
	require.NoError(t, shared.err)
	return shared.bin
}

// processesRunning lists the live processes (not zombies, not this test)
// whose command line mentions needle: dlv has the binary path among its
// arguments and the debugged program runs it as argv[0].
func processesRunning(needle string) []string {
	entries, _ := os.ReadDir("/proc")
	var found []string
	self := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte(needle)) {
			continue
		}
		stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if i := bytes.LastIndexByte(stat, ')'); i >= 0 && len(stat) > i+2 && stat[i+2] == 'Z' {
			continue
		}
		found = append(found, fmt.Sprintf("%d: %s", pid, strings.ReplaceAll(string(cmdline), "\x00", " ")))
	}
	return found
}

// requireNoProcesses asserts that nothing started from binary is left.
func requireNoProcesses(t *testing.T, binary string) {
	t.Helper()
	require.Empty(t, processesRunning(binary), "dlv or the debugged program is still running")
}

// checkClean registers the end-of-test checks: no process left that runs
// or debugs binary, and no goroutine leaked by the package.
// It also checks that dlv wrote no config into the user's home.
func checkClean(t *testing.T, binary string) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	homeCfg := ""
	if u, err := user.Current(); err == nil {
		homeCfg = filepath.Join(u.HomeDir, ".config", "dlv")
	}
	_, statErr := os.Stat(homeCfg)
	hadHomeCfg := statErr == nil
	t.Cleanup(func() {
		requireNoProcesses(t, binary)
		goleak.VerifyNone(t, ignore)
		if homeCfg != "" && !hadHomeCfg {
			require.NoDirExists(t, homeCfg, "dlv config must go to the temp XDG_CONFIG_HOME")
		}
	})
}
