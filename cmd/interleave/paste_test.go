package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// goShim is a go command for pasted lines: "go run ./cmd/interleave ARGS"
// runs the interleave binary TestMain built, "go test ./scenarios ARGS" the
// scenarios test binary it built (in the package directory, with go test's
// -run, -count and -v as the binary's -test.* flags), anything else the
// real go. A pasted line then runs what it says in milliseconds rather than
// linking a binary each time; pasteReal runs one through the real go.
const goShim = `#!/usr/bin/env bash
if [ "$1" = run ] && [ "$2" = ./cmd/interleave ]; then
	shift 2
	exec "$SHIM_INTERLEAVE" "$@"
fi
if [ "$1" = test ] && [ "$2" = ./scenarios ]; then
	shift 2
	args=()
	while [ $# -gt 0 ]; do
		case "$1" in
		-run) args+=("-test.run=$2"); shift 2 ;;
		-run=*) args+=("-test.run=${1#-run=}"); shift ;;
		-count=*) args+=("-test.count=${1#-count=}"); shift ;;
		-v) args+=(-test.v); shift ;;
		*) args+=("$1"); shift ;;
		esac
	done
	cd "$SHIM_REPO/scenarios" || exit 2
	exec "$SHIM_SCENARIOS" "${args[@]}"
fi
exec "$SHIM_GO" "$@"
`

var (
	shimOnce sync.Once
	shimDir  string
	shimErr  error
)

// shimPath returns the directory holding the go shim.
func shimPath(t *testing.T) string {
	t.Helper()
	shimOnce.Do(func() {
		shimDir = filepath.Join(filepath.Dir(interleaveBin), "shim")
		if shimErr = os.MkdirAll(shimDir, 0o755); shimErr == nil {
			shimErr = os.WriteFile(filepath.Join(shimDir, "go"), []byte(goShim), 0o755)
		}
	})
	require.NoError(t, shimErr)
	return shimDir
}

// pasted is how a pasted line ended.
type pasted struct {
	out    string // stdout and stderr
	stdout string
	code   int
}

// paste runs line as a person would paste it into bash at the repository
// root, with the go shim first on the PATH; env is added to the
// environment.
func paste(t *testing.T, line string, env ...string) pasted {
	t.Helper()
	realGo, err := exec.LookPath("go")
	require.NoError(t, err)
	return pasteEnv(t, line, append([]string{"PATH=" + shimPath(t) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"SHIM_INTERLEAVE=" + interleaveBin, "SHIM_SCENARIOS=" + scenariosBin, "SHIM_REPO=" + repoDir, "SHIM_GO=" + realGo}, env...)...)
}

// pasteReal runs line in bash at the repository root with the real go.
func pasteReal(t *testing.T, line string) pasted {
	t.Helper()
	return pasteEnv(t, line)
}

func pasteEnv(t *testing.T, line string, env ...string) pasted {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hangLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", line)
	cmd.Dir = repoDir
	cmd.Env = append(os.Environ(), env...)
	var stdout bytes.Buffer
	var both syncBuffer
	cmd.Stdout, cmd.Stderr = io.MultiWriter(&stdout, &both), &both
	err := cmd.Run()
	require.NoError(t, ctx.Err(), "hung: %s", line)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		require.NoError(t, err, line)
	}
	return pasted{out: both.String(), stdout: stdout.String(), code: cmd.ProcessState.ExitCode()}
}

// argvOf returns the arguments bash reads out of a printed line: the line
// with its command (the words before args) replaced by printf, run
// through bash. Whatever the line holds, that is all it can run.
func argvOf(t *testing.T, line string, command ...string) []string {
	t.Helper()
	prefix := strings.Join(command, " ") + " "
	require.True(t, strings.HasPrefix(line, prefix), "%q does not start with %q", line, prefix)
	out, err := exec.Command("bash", "-c", `printf '%s\0' `+strings.TrimPrefix(line, prefix)).Output()
	require.NoError(t, err, line)
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
}
