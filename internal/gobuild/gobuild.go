// Package gobuild builds test binaries with the go command, leaving
// nothing behind whatever ends the build: success, failure, a cancelled
// context, or the abrupt exit of package cleanup.
//
// The go command runs in a process group of its own, killed whole (the
// compiler and linker with it) when the context is done, and on Linux when
// this process dies. Its work directory (GOTMPDIR) and its config
// directory (XDG_CONFIG_HOME, where Go telemetry keeps its counters) are
// in a temporary directory of ours, registered with package cleanup and
// removed when the build returns: the build writes nothing under the
// user's home but the build and module caches. GOENV keeps naming the
// user's go env file, so settings made with 'go env -w' still apply.
package gobuild

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/interleave/interleave/internal/cleanup"
)

// Options describe one go test -c.
type Options struct {
	// Dir is the directory the go command runs in.
	Dir string
	// Pkg is the package to build, as the go command takes it ("." or
	// "./scenarios").
	Pkg string
	// Out is the binary to write; a relative path is taken from Dir.
	Out string
	// Flags come after "test -c": "-race", "-gcflags=all=-N -l", ...
	Flags []string
}

// Args are the go command's arguments for o: test -c, the flags, -o Out
// and the package.
func (o Options) Args() []string {
	args := append([]string{"test", "-c"}, o.Flags...)
	return append(args, "-o", o.Out, o.Pkg)
}

// Test runs go test -c as o says and returns its combined output. When
// ctx is done first, the build is killed and the error wraps ctx.Err().
func Test(ctx context.Context, o Options) ([]byte, error) {
	tmp, remove, err := cleanup.TempDir("interleave-gobuild-*")
	if err != nil {
		return nil, err
	}
	defer remove()
	work, config := filepath.Join(tmp, "work"), filepath.Join(tmp, "config")
	for _, d := range []string{work, config} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return nil, err
		}
	}
	env := append(os.Environ(), "GOTMPDIR="+work, "XDG_CONFIG_HOME="+config)
	if goenv, ok := userGoEnv(); ok {
		env = append(env, "GOENV="+goenv) // os/exec keeps the last of a key
	}

	cmd := exec.Command("go", o.Args()...)
	cmd.Dir = o.Dir
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	setGroup(cmd)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	unregister, err := cleanup.StartGroup(cmd)
	if err != nil {
		return nil, err
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err = <-waited:
	case <-ctx.Done():
		killGroup(cmd.Process.Pid)
		<-waited
		err = fmt.Errorf("go test -c: %w", ctx.Err())
	}
	// The leader is reaped: its group ID may be reused from now on. On
	// success or failure the go command waited for its compilers; when
	// killed, they were killed with it.
	unregister()
	return out.Bytes(), err
}

// userGoEnv is the go env file the user's go command reads: $GOENV, or
// go/env in the user's config directory (which XDG_CONFIG_HOME would
// otherwise move).
func userGoEnv() (string, bool) {
	if v, ok := os.LookupEnv("GOENV"); ok {
		return v, true
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", false
	}
	return filepath.Join(dir, "go", "env"), true
}
