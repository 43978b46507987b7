// Package mailbox is examples/mailbox with its bug fixed: Get checks and
// waits under one lock, in a loop.
package mailbox

import "github.com/interleave/interleave/std/sync"

// Mailbox is a queue of messages with a condition variable for readers.
type Mailbox struct {
	mu     sync.Mutex
	cond   *sync.Cond
	queue  []string
	closed bool
}

// New returns an empty mailbox.
func New() *Mailbox {
	m := &Mailbox{}
	m.cond = sync.NewCond(&m.mu)
	return m
}

// Put leaves a message and wakes a reader.
func (m *Mailbox) Put(msg string) {
	m.mu.Lock()
	m.queue = append(m.queue, msg)
	m.mu.Unlock()
	m.cond.Signal()
}

// Close wakes every reader: Get returns ok == false once the mailbox is
// closed and empty.
func (m *Mailbox) Close() {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	m.cond.Broadcast()
}

// Get waits for a message and takes it; ok is false when the mailbox is
// closed and empty. It checks and waits while holding the lock, and checks
// again after each wake-up.
func (m *Mailbox) Get() (msg string, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for len(m.queue) == 0 && !m.closed {
		m.cond.Wait()
	}
	if len(m.queue) == 0 {
		return "", false
	}
	msg, m.queue = m.queue[0], m.queue[1:]
	return msg, true
}
