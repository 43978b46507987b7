package stress

import (
	"fmt"
	"sync"
)

// DefaultMaxOutput is the default cap on the output kept per child.
const DefaultMaxOutput = 16 << 20

// capture collects a child's combined output. It keeps at most max bytes: the
// first half and the last half of the output, with a marker in between when
// something had to be dropped, so that both the start of a failure and the
// final goroutine dump survive a runaway child. It is safe for concurrent use
// (os/exec may still be copying when Wait gives up on a pipe).
type capture struct {
	mu      sync.Mutex
	headCap int
	tailCap int
	head    []byte
	tail    []byte // ring buffer once len(tail) == tailCap
	tpos    int    // oldest byte of the ring when full
	total   int64
}

func newCapture(max int) *capture {
	h := max / 2
	return &capture{headCap: h, tailCap: max - h}
}

func (c *capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(p)
	c.total += int64(n)
	if room := c.headCap - len(c.head); room > 0 {
		k := min(room, len(p))
		c.head = append(c.head, p[:k]...)
		p = p[k:]
	}
	if len(p) == 0 || c.tailCap == 0 {
		return n, nil
	}
	if len(p) >= c.tailCap {
		c.tail = append(c.tail[:0], p[len(p)-c.tailCap:]...)
		c.tpos = 0
		return n, nil
	}
	if room := c.tailCap - len(c.tail); room > 0 {
		k := min(room, len(p))
		c.tail = append(c.tail, p[:k]...)
		p = p[k:]
	}
	for len(p) > 0 {
		k := copy(c.tail[c.tpos:], p)
		p = p[k:]
		c.tpos = (c.tpos + k) % c.tailCap
	}
	return n, nil
}

// Bytes returns a copy of the kept output.
func (c *capture) Bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	dropped := c.total - int64(len(c.head)) - int64(len(c.tail))
	out := make([]byte, 0, len(c.head)+len(c.tail)+80)
	out = append(out, c.head...)
	if dropped > 0 {
		out = fmt.Appendf(out, "\n[... interleave stress: %d bytes of output dropped ...]\n", dropped)
	}
	out = append(out, c.tail[c.tpos:]...)
	out = append(out, c.tail[:c.tpos]...)
	return out
}
