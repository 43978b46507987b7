// Package dlv runs a Go test binary under the Delve debugger, either
// scripted (Trace: breakpoints are hit, expressions evaluated and recorded,
// and the program runs to completion) or interactively (Interactive: the
// user's terminal is handed to dlv with the breakpoints preset).
//
// Only the dlv executable is needed at run time; the package talks to a
// headless dlv over its JSON-RPC API (service/rpc2) on 127.0.0.1.
package dlv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// DelveModule and DelveVersion name the Delve release this package is
// written and tested against; `make tools` installs exactly this version.
const (
	DelveModule  = "github.com/go-delve/delve"
	DelveVersion = "v1.27.2"
)

// ErrNotFound is returned (wrapped) by Find when no dlv executable exists.
var ErrNotFound = errors.New("dlv not found")

// notFoundError carries the one-line, actionable message while still
// matching ErrNotFound with errors.Is.
type notFoundError struct{ binDir string }

func (e *notFoundError) Error() string {
	return "dlv not found in " + e.binDir + " or on PATH: run 'make tools' to install it (" +
		DelveModule + " " + DelveVersion + ")"
}

func (e *notFoundError) Unwrap() error { return ErrNotFound }

func exeName() string {
	if runtime.GOOS == "windows" {
		return "dlv.exe"
	}
	return "dlv"
}

// Find returns the path of the dlv executable to use: <repoRoot>/bin/dlv
// (as installed by `make tools`) if it exists, otherwise dlv from PATH.
// If neither exists the error matches ErrNotFound and reads
//
//	dlv not found in <repoRoot>/bin or on PATH: run 'make tools' to install it (github.com/go-delve/delve v1.27.2)
func Find(repoRoot string) (string, error) {
	binDir := filepath.Join(repoRoot, "bin")
	local := filepath.Join(binDir, exeName())
	if isExecutable(local) {
		if abs, err := filepath.Abs(local); err == nil {
			return abs, nil
		}
		return local, nil
	}
	if p, err := exec.LookPath("dlv"); err == nil {
		return p, nil
	}
	return "", &notFoundError{binDir: binDir}
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	return runtime.GOOS == "windows" || fi.Mode().Perm()&0o111 != 0
}

// resolveDlv returns dlv as given, or looks it up on PATH when empty.
func resolveDlv(dlv string) (string, error) {
	hint := "run 'make tools' to install it (" + DelveModule + " " + DelveVersion + ")"
	if dlv == "" {
		p, err := exec.LookPath("dlv")
		if err != nil {
			return "", fmt.Errorf("%w on PATH: %s", ErrNotFound, hint)
		}
		return p, nil
	}
	if !isExecutable(dlv) {
		return "", fmt.Errorf("%w: %s is not an executable file: %s", ErrNotFound, dlv, hint)
	}
	return dlv, nil
}
