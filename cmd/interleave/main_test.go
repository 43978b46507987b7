package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The tests run the real command: TestMain builds it once, and builds the
// scenarios test binary once for the stress tests, which pass it to
// interleave stress through INTERLEAVE_TEST_BINARY (all but one, which
// checks that stress builds it itself).
var (
	interleaveBin string // the interleave command
	scenariosBin  string // go test -c ./scenarios
	repoDir       string // the module root
)

// hangLimit only catches hangs; no test relies on tight timing.
const hangLimit = 2 * time.Minute

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "interrupt" {
		os.Exit(interruptHelper())
	}
	os.Exit(testMain(m))
}

// helperEnv makes the test binary a helper process instead of running the
// tests.
const helperEnv = "INTERLEAVE_CMD_TEST_HELPER"

// interruptHelper waits for the first interrupt as stress does, says so
// and blocks: only the second interrupt can end it.
func interruptHelper() int {
	ctx, stop := notifyInterrupt()
	defer stop()
	fmt.Println("ready")
	<-ctx.Done()
	fmt.Println("interrupted")
	select {}
}

func testMain(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "interleave-cmd-test-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer os.RemoveAll(tmp)
	repoDir, err = filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	interleaveBin = filepath.Join(tmp, "interleave")
	scenariosBin = filepath.Join(tmp, "scenarios.test")
	builds := []*exec.Cmd{
		exec.Command("go", "build", "-o", interleaveBin, "."),
		exec.Command("go", "test", "-c", "-o", scenariosBin, "./scenarios"),
	}
	builds[1].Dir = repoDir
	errs := make([]error, len(builds))
	var wg sync.WaitGroup
	for i, cmd := range builds {
		wg.Go(func() {
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("%s: %v\n%s", cmd, err, out)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return m.Run()
}

// result is how a command ended.
type result struct {
	stdout, stderr string
	code           int
}

// invocation describes a run of the interleave command.
type invocation struct {
	dir     string        // working directory (default: a fresh temporary one)
	env     []string      // added to the environment
	timeout time.Duration // default hangLimit
}

// interleave runs the command with args in a fresh directory.
func interleave(t *testing.T, args ...string) result {
	t.Helper()
	return invocation{}.run(t, args...)
}

func (inv invocation) run(t *testing.T, args ...string) result {
	t.Helper()
	if inv.timeout == 0 {
		inv.timeout = hangLimit
	}
	ctx, cancel := context.WithTimeout(context.Background(), inv.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, interleaveBin, args...)
	cmd.Dir = inv.dir
	if cmd.Dir == "" {
		cmd.Dir = t.TempDir()
	}
	cmd.Env = append(os.Environ(), inv.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.NoError(t, ctx.Err(), "interleave %s hung", strings.Join(args, " "))
	res := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return res
}

// decode parses a --json run's output, which must be one JSON object.
func decode[T any](t *testing.T, r result) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&v), "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	require.False(t, dec.More(), "more than one JSON value: %s", r.stdout)
	return v
}

// prebuilt is the environment that makes stress use the test binary built
// by TestMain.
func prebuilt() []string {
	return []string{testBinaryEnv + "=" + scenariosBin}
}

// requireEmptyDir checks that nothing was written under dir.
func requireEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries, "something was written under %s", dir)
}
