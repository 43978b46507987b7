package pgbackend

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/harness"
)

// collector records what a listener delivers.
type collector struct {
	mu   sync.Mutex
	got  []harness.Notify
	errs []error
}

func (c *collector) cb(n harness.Notify, err error) {
	c.mu.Lock()
	if err != nil {
		c.errs = append(c.errs, err)
	} else {
		c.got = append(c.got, n)
	}
	c.mu.Unlock()
}

func (c *collector) errors() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]error(nil), c.errs...)
}

func (c *collector) notifies() []harness.Notify {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]harness.Notify(nil), c.got...)
}

// TestNotifyArrivesAfterCommit: the writer publishes after its commit (§3),
// so when a listener receives the notify for a message, the message is
// visible to the catch-up query; Close delivers everything published before
// it, in each publisher's order, then stops the listener and closes its
// connection.
func TestNotifyArrivesAfterCommit(t *testing.T) {
	b := openBackend(t, 8)
	run := b.NewRun(1)
	run.CreateChat(harness.Chat{ID: 1, Status: harness.StatusWaiting})
	run.Seed(1, harness.RoleUser, "first") // so every notify below has AfterMessageID > 0

	var mu sync.Mutex
	var seen [][]int64 // the IDs visible after each notify's AfterMessageID
	var all collector
	run.Subscribe("sub", harness.ChatChannel(1), func(n harness.Notify, err error) {
		all.cb(n, err)
		if n.AfterMessageID == 0 {
			return
		}
		msgs, err := run.GetChatMessagesByChatID(1, n.AfterMessageID)
		assert.NoError(t, err) // not require: this is the listener's goroutine
		ids := make([]int64, len(msgs))
		for i, m := range msgs {
			ids[i] = m.ID
		}
		mu.Lock()
		seen = append(seen, ids)
		mu.Unlock()
	})
	other := &collector{}
	run.Subscribe("other chat", harness.ChatChannel(2), other.cb)
	otherRun := &collector{}
	run2 := b.NewRun(2)
	run2.Subscribe("other run", harness.ChatChannel(1), otherRun.cb)

	const writers, each = 4, 5
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range each {
				var m harness.Message
				err := run.InTx(func(tx harness.Tx) error {
					var err error
					m, err = tx.InsertMessage(1, harness.RoleAssistant, "m")
					return err
				})
				if !assert.NoError(t, err) {
					return
				}
				run.Publish(harness.ChatChannel(1), harness.Notify{AfterMessageID: m.ID - 1})
			}
		})
	}
	wg.Wait()
	run.Publish(harness.ChatChannel(1), harness.Notify{Status: harness.StatusWaiting, QueueUpdate: true, FullRefresh: true})
	pids := run.ListenerPIDs()
	run.Close()
	run.Close() // idempotent
	run2.Close()
	require.NoError(t, run.Err())
	require.NoError(t, run2.Err())

	got := all.notifies()
	require.Len(t, got, writers*each+1, "Close delivered everything published before it")
	require.Equal(t, harness.Notify{Status: harness.StatusWaiting, QueueUpdate: true, FullRefresh: true}, got[len(got)-1])
	require.Len(t, seen, writers*each)
	for i, ids := range seen {
		require.Contains(t, ids, got[i].AfterMessageID+1, "notify %d: its message is visible when it arrives", i)
	}
	require.Empty(t, all.errors(), "nothing was dropped")
	require.Empty(t, other.notifies(), "channels are per chat")
	require.Empty(t, otherRun.notifies(), "and per run")
	order := run.NotifyOrder()
	require.Len(t, order, 2)
	require.Len(t, order[0], writers*each)

	requireBackendsGone(t, b, pids)
}

// requireBackendsGone waits (up to 30 s) until none of pids is connected to the
// server: a closed listener's server process exits shortly after the
// client's Terminate.
func requireBackendsGone(t *testing.T, b *Backend, pids []uint32) {
	t.Helper()
	require.NotEmpty(t, pids)
	list := make([]int32, len(pids))
	for i, p := range pids {
		list[i] = int32(p)
	}
	require.Eventually(t, func() bool {
		var n int
		err := b.DB().Pool().QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)`, list).Scan(&n)
		require.NoError(t, err)
		return n == 0
	}, 30*time.Second, 20*time.Millisecond, "listener connections %v still on the server", pids)
}

// TestCloseBoundsAFenceThatDoesNotArrive: a listener that cannot reach its
// fence in time (here its callback blocks) is stopped, and the run's Err
// says so; Close still waits for the listener to stop, so for its callback
// to return.
func TestCloseBoundsAFenceThatDoesNotArrive(t *testing.T) {
	b := openBackend(t, 2)
	run := b.NewRun(1)
	run.FenceTimeout = 200 * time.Millisecond
	entered, release := make(chan struct{}), make(chan struct{})
	var returned atomic.Bool
	run.Subscribe("slow", "c", func(harness.Notify, error) {
		close(entered)
		<-release
		returned.Store(true)
	})
	pids := run.ListenerPIDs()
	run.Publish("c", harness.Notify{AfterMessageID: 1})
	<-entered
	// Release the callback only once Close has given up on the fence, so
	// that the fence cannot arrive in time however slow the machine.
	closed := make(chan struct{})
	go func() {
		defer close(release)
		deadline := time.After(hangGuard)
		for run.Err() == nil {
			select {
			case <-closed:
				return
			case <-deadline:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	run.Close()
	close(closed)
	require.True(t, returned.Load(), "Close returned before the listener's callback did")
	err := run.Err()
	require.Error(t, err)
	require.Contains(t, err.Error(), "postgres: run 1: settle: listener slow on r1:c did not deliver its fence within 200ms")
	requireBackendsGone(t, b, pids)
	require.Panics(t, func() { run.Subscribe("late", "c", func(harness.Notify, error) {}) })
}

// TestAbortStopsListeners: Abort ends the listeners at once, and the run's
// later database calls fail instead of waiting.
func TestAbortStopsListeners(t *testing.T) {
	b := openBackend(t, 2)
	run := b.NewRun(1)
	run.Subscribe("sub", "c", func(harness.Notify, error) {})
	pids := run.ListenerPIDs()
	run.Abort("test")
	_, err := run.GetChatMessagesByChatID(1, 0)
	require.ErrorContains(t, err, "postgres: run 1: get messages of chat 1 after #0: ")
	run.Close()
	require.ErrorContains(t, run.Err(), "postgres: run 1: aborted: test")
	requireBackendsGone(t, b, pids)
}

// TestListenerQueueOverflowDropsWithAnError: the listener's queue is
// bounded (Run.QueueSize, 2048 by default as upstream's, chatd-model.md
// section 10). While the callback blocks, notifies pile up; the one that
// finds the queue full is lost, the callback gets harness.ErrDropped after
// what was queued, and nothing more.
func TestListenerQueueOverflowDropsWithAnError(t *testing.T) {
	b := openBackend(t, 2)
	run := b.NewRun(1)
	run.QueueSize = 2
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	got := &collector{}
	run.Subscribe("slow", "c", func(n harness.Notify, err error) {
		once.Do(func() {
			close(entered)
			<-release
		})
		got.cb(n, err)
	})
	run.Publish("c", harness.Notify{AfterMessageID: 1}) // taken by the blocked callback
	<-entered
	for i := int64(2); i <= 5; i++ { // 2 and 3 fill the queue; 4 overflows; 5 comes after the error
		run.Publish("c", harness.Notify{AfterMessageID: i})
	}
	// The reader has read the four once the fence has gone through it;
	// publishing more and waiting for a fifth would be slower.
	require.Eventually(t, func() bool {
		run.mu.Lock()
		ln := run.listeners[0]
		run.mu.Unlock()
		ln.mu.Lock()
		defer ln.mu.Unlock()
		return ln.dropped == 2
	}, hangGuard, 5*time.Millisecond)
	close(release)
	run.Close()
	require.NoError(t, run.Err())
	var afters []int64
	for _, n := range got.notifies() {
		afters = append(afters, n.AfterMessageID)
	}
	require.Equal(t, []int64{1, 2, 3}, afters)
	require.Equal(t, []error{harness.ErrDropped}, got.errors())
}
