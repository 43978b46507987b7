package dlv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/interleave/interleave/internal/gobuild"
)

// BuildTestBinary compiles the test binary of the package in directory
// pkgDir to out, with optimisations and inlining disabled
// (-gcflags=all=-N -l) so that Delve can see arguments and locals, through
// package gobuild: nothing is left behind, and nothing written under the
// user's home but the go caches.
// race adds -race. It runs `go test -c` from pkgDir, so the module that
// contains pkgDir is used whatever the caller's working directory is.
func BuildTestBinary(ctx context.Context, pkgDir, out string, race bool) error {
	absOut, err := filepath.Abs(out)
	if err != nil {
		return fmt.Errorf("build test binary: %w", err)
	}
	if fi, err := os.Stat(pkgDir); err != nil {
		return fmt.Errorf("build test binary: %w", err)
	} else if !fi.IsDir() {
		return fmt.Errorf("build test binary: %s is not a directory", pkgDir)
	}
	o := gobuild.Options{Dir: pkgDir, Pkg: ".", Out: absOut, Flags: []string{"-gcflags=all=-N -l"}}
	if race {
		o.Flags = append(o.Flags, "-race")
	}
	args := o.Args()
	if output, err := gobuild.Test(ctx, o); err != nil {
		return fmt.Errorf("build test binary for %s: go %s: %w\n%s",
			pkgDir, quoteArgs(args), err, strings.TrimSpace(string(output)))
	}
	// `go test -c` succeeds without writing anything for a package that
	// has no test files.
	if _, err := os.Stat(absOut); err != nil {
		return fmt.Errorf("build test binary for %s: go %s wrote no binary (no test files?)", pkgDir, quoteArgs(args))
	}
	return nil
}

// quoteArgs renders args for an error message, quoting those with spaces.
func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'") {
			a = fmt.Sprintf("%q", a)
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}
