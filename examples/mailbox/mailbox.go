// Package mailbox is a mailbox: Put leaves a message, Get waits for one,
// Close tells the waiting readers there will be no more.
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
// closed and empty.
func (m *Mailbox) Get() (msg string, ok bool) {
	m.mu.Lock()
	wait := len(m.queue) == 0 && !m.closed
	m.mu.Unlock()
	if wait {
		m.mu.Lock()
		m.cond.Wait()
		m.mu.Unlock()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.queue) == 0 {
		return "", false
	}
	msg, m.queue = m.queue[0], m.queue[1:]
	return msg, true
}
