package dlv

import (
	"fmt"
	"sync"
)

// maxCapture bounds how much of each output stream is kept.
const maxCapture = 16 << 20

// cappedBuffer is an io.Writer that keeps the first maxCapture bytes
// written to it and counts the rest. It is safe for concurrent use.
type cappedBuffer struct {
	mu      sync.Mutex
	buf     []byte
	dropped int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := min(len(p), maxCapture-len(b.buf))
	b.buf = append(b.buf, p[:n]...)
	b.dropped += len(p) - n
	return len(p), nil
}

func (b *cappedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dropped > 0 {
		return string(b.buf) + fmt.Sprintf("\n[... %d more bytes not captured]\n", b.dropped)
	}
	return string(b.buf)
}
