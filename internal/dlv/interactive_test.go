package dlv

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBreakpointLinesAndInitFile(t *testing.T) {
	bps := []Breakpoint{
		{Function: "example.com/p.step", Name: "step", Vars: []string{"id", "len(ids)"}},
		{Function: "example.com/p.(*T).m"},
	}
	require.Equal(t, []string{
		"break step example.com/p.step  # print id; print len(ids)",
		"break bp2 example.com/p.(*T).m",
	}, BreakpointLines(bps))

	norm, err := normalizeBreakpoints(bps)
	require.NoError(t, err)
	require.Equal(t, "break step example.com/p.step\nbreak bp2 example.com/p.(*T).m\n", initFile(norm))
}

func TestInteractiveScripted(t *testing.T) {
	dlv, bin := dlvPath(t), targetBinary(t)
	checkClean(t, bin)

	var out bytes.Buffer
	err := Interactive(context.Background(), InteractiveConfig{
		Dlv:         dlv,
		Binary:      bin,
		Args:        []string{"-test.run=^TestTarget$"},
		Breakpoints: []Breakpoint{{Function: targetPkg + ".step", Name: "step", Vars: []string{"ids"}}},
		Stdin:       strings.NewReader("continue\nprint ids\ncontinue\nprint id\nexit\n"),
		Stdout:      &out,
		Stderr:      &out,
	})
	require.NoError(t, err, out.String())
	s := out.String()
	require.Contains(t, s, "Breakpoint step set at")
	require.Contains(t, s, "> [step] "+targetPkg+".step()")
	require.Contains(t, s, "[]int64 len: 1, cap: 1, [1]")
	require.Contains(t, s, "(dlv) 11\n")
}

func TestInteractiveCancel(t *testing.T) {
	dlv, bin := dlvPath(t), targetBinary(t)
	checkClean(t, bin)

	// A stdin that never delivers a command: dlv waits at its prompt.
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	var out bytes.Buffer
	// dlv waits at its prompt for ever: Interactive returns because of the
	// deadline.
	returnsWithin(t, "Interactive past its deadline", func() {
		err = Interactive(ctx, InteractiveConfig{
			Dlv:    dlv,
			Binary: bin,
			Args:   []string{"-test.run=^TestTarget$"},
			Stdin:  r,
			Stdout: &out,
			Stderr: &out,
		})
	})
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestIsTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	require.False(t, isTerminal(r))
	require.False(t, isTerminal(&bytes.Buffer{}))
	null, err := os.Open(os.DevNull)
	require.NoError(t, err)
	defer null.Close()
	require.False(t, isTerminal(null))
	if pty, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0); err == nil {
		defer pty.Close()
		require.True(t, isTerminal(pty))
	}
}
