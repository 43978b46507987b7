package main

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"sync"
)

// outWriter is standard output or standard error as a command writes to
// it. The first write error (a full disk, a pipe whose reader is gone)
// is kept, nothing more is written, and the command's output context is
// cancelled: a long command stops, cleans up, and Main reports the error
// on one line with exit status 2. (main ignores SIGPIPE, so a closed pipe
// is such an error rather than the end of the process, which would skip
// every cleanup.)
type outWriter struct {
	mu     sync.Mutex
	w      io.Writer
	err    error
	broken func() // cancels the output context
}

func (o *outWriter) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return 0, o.err
	}
	n, err := o.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		o.err = err
		o.broken()
	}
	return n, err
}

// failed returns the first write error, or nil.
func (o *outWriter) failed() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.err
}

// unwrap returns what w writes to: the file itself for an outWriter.
func unwrap(w io.Writer) io.Writer {
	if o, ok := w.(*outWriter); ok {
		return o.w
	}
	return w
}

var (
	outputMu  sync.Mutex
	outputCtx = context.Background()
)

// outputContext is done when the running command's output broke: the
// parent of the contexts of its long work.
func outputContext() context.Context {
	outputMu.Lock()
	defer outputMu.Unlock()
	return outputCtx
}

// withOutput wraps stdout and stderr for a command, and returns the check
// that Main calls at its end: the first write error, which stream it hit,
// and the function that releases the output context.
func withOutput(stdout, stderr io.Writer) (out, errw *outWriter, done func()) {
	ctx, cancel := context.WithCancel(context.Background())
	outputMu.Lock()
	outputCtx = ctx
	outputMu.Unlock()
	out = &outWriter{w: stdout, broken: cancel}
	errw = &outWriter{w: stderr, broken: cancel}
	return out, errw, func() {
		cancel()
		outputMu.Lock()
		outputCtx = context.Background()
		outputMu.Unlock()
	}
}

// writeErrorText is a write error without the path os.File adds
// ("write /dev/stdout: ...").
func writeErrorText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return err.Error()
}
