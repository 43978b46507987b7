// Package cleanup keeps the list of what a command must remove or stop
// before it exits (temporary directories, process groups it started), so
// that an exit that cannot run deferred calls still leaves nothing behind:
// the second Ctrl-C, which ends the command at once, calls Now and exits.
//
// A command registers a thing when it makes it and releases it when done
// with it (release removes or stops it as usual). Now stops every registered
// process group (SIGKILL) and then removes every registered directory:
// in that order, so that no process writes into a directory being removed.
package cleanup

import (
	"os"
	"os/exec"
	"slices"
	"sync"
)

var (
	mu     sync.Mutex
	dirs   []*string
	groups []*int
)

// Dir registers the directory path, to be removed by Now, and returns the
// function that removes it (os.RemoveAll) and unregisters it. The removal
// holds the lock Now takes: Now cannot find it unregistered but not yet
// removed.
func Dir(path string) (remove func()) {
	mu.Lock()
	defer mu.Unlock()
	return addDir(path)
}

// addDir is Dir with mu held.
func addDir(path string) (remove func()) {
	p := &path
	dirs = append(dirs, p)
	return func() {
		mu.Lock()
		defer mu.Unlock()
		_ = os.RemoveAll(path)
		dirs = slices.DeleteFunc(dirs, func(x *string) bool { return x == p })
	}
}

// TempDir makes a new temporary directory (os.MkdirTemp("", pattern))
// and registers it as Dir does, under the lock Now takes: Now cannot run
// between the making and the registration.
func TempDir(pattern string) (path string, remove func(), err error) {
	mu.Lock()
	defer mu.Unlock()
	path, err = os.MkdirTemp("", pattern)
	if err != nil {
		return "", nil, err
	}
	return path, addDir(path), nil
}

// Group registers the process group pgid (a process started with a group
// of its own), to be killed by Now, and returns the function that
// unregisters it: call it once the group's leader has been waited for,
// before its ID can be reused.
func Group(pgid int) (unregister func()) {
	p := &pgid
	mu.Lock()
	groups = append(groups, p)
	mu.Unlock()
	return func() {
		mu.Lock()
		groups = slices.DeleteFunc(groups, func(x *int) bool { return x == p })
		mu.Unlock()
	}
}

// StartGroup starts cmd, which must be set up to lead a process group of
// its own, and registers the group as Group does. Now cannot run between
// the start and the registration: a group is never started unseen.
func StartGroup(cmd *exec.Cmd) (unregister func(), err error) {
	mu.Lock()
	defer mu.Unlock()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &cmd.Process.Pid
	groups = append(groups, p)
	return func() {
		mu.Lock()
		groups = slices.DeleteFunc(groups, func(x *int) bool { return x == p })
		mu.Unlock()
	}, nil
}

// Now kills every registered process group, then removes every
// registered directory. It is for an exit that cannot wait: the caller
// exits right after it.
func Now() {
	mu.Lock()
	defer mu.Unlock()
	for _, g := range groups {
		killGroup(*g)
	}
	for _, d := range dirs {
		_ = os.RemoveAll(*d)
	}
}
