package dlv

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBuildTestBinaryErrors(t *testing.T) {
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "x.test")

	err := BuildTestBinary(ctx, filepath.Join(t.TempDir(), "nope"), out, false)
	require.Error(t, err)

	// A compile error is reported with go's own message.
	mod := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module example.com/broken\n\ngo 1.26\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(mod, "broken_test.go"), []byte("package broken\n\nfunc f() int { return \"s\" }\n"), 0o644))
	err = BuildTestBinary(ctx, mod, out, false)
	require.Error(t, err)
	require.Contains(t, err.Error(), `go test -c "-gcflags=all=-N -l" -o `+out+" .")
	require.Contains(t, err.Error(), "broken_test.go:3")
	require.NoFileExists(t, out)

	// No test files: go succeeds but writes nothing.
	empty := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(empty, "go.mod"), []byte("module example.com/empty\n\ngo 1.26\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(empty, "e.go"), []byte("package empty\n"), 0o644))
	err = BuildTestBinary(ctx, empty, out, false)
	require.ErrorContains(t, err, "wrote no binary")
}

func TestBuildTestBinary(t *testing.T) {
	bin := targetBinary(t) // built by BuildTestBinary from a relative dir
	fi, err := os.Stat(bin)
	require.NoError(t, err)
	require.NotZero(t, fi.Mode().Perm()&0o100)
}
