package dlv

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// BuildTestBinary compiles the test binary of the package in directory
// pkgDir to out, with optimisations and inlining disabled
// (-gcflags=all=-N -l) so that Delve can see arguments and locals.
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
	args := []string{"test", "-c", "-gcflags=all=-N -l"}
	if race {
		args = append(args, "-race")
	}
	args = append(args, "-o", absOut, ".")

	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = pkgDir
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	if err := cmd.Run(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		}
		return fmt.Errorf("build test binary for %s: go %s: %w\n%s",
			pkgDir, quoteArgs(args), err, strings.TrimSpace(output.String()))
	}
	// `go test -c` succeeds without writing anything for a package that
	// has no test files.
	if _, err := os.Stat(absOut); err != nil {
		return fmt.Errorf("build test binary for %s: go %s wrote no binary (no test files?)\n%s",
			pkgDir, quoteArgs(args), strings.TrimSpace(output.String()))
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
