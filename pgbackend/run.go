package pgbackend

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/pgstore"
	"github.com/interleave/interleave/sched"
)

// ChatIDSpan is the number of chat IDs each run owns: logical chat c of run
// r is the physical chat r*ChatIDSpan + c.
const ChatIDSpan = 1_000_000

// MaxRunID is the largest run ID whose chat IDs fit in an int64.
const MaxRunID = (math.MaxInt64 - (ChatIDSpan - 1)) / ChatIDSpan

// maxRecordedErrors bounds Run.Err: the first errors say what went wrong.
const maxRecordedErrors = 8

// Run is one harness run's view of the database: a harness.Store,
// harness.Seeder, harness.GroundTruth and harness.Notifier over the
// backend's pool, namespaced by the run ID (see the package doc). Its
// methods may be called from any goroutine. A Run serves one world: make a
// new one for each run.
type Run struct {
	// Timeout bounds each database call: a whole transaction, a query, a
	// notify, connecting a listener. 0 means DefaultTimeout. Set it
	// before the run starts.
	Timeout time.Duration
	// FenceTimeout bounds how long Close waits for the listeners to
	// deliver their fences; 0 means Timeout. Set it before the run starts.
	FenceTimeout time.Duration
	// BeforeCommit, if set, is called in every transaction of InTx (and
	// Seed) just before COMMIT, with the transaction's context; an error
	// rolls the transaction back. It is for fault-injection tests. Set it
	// before the run starts.
	BeforeCommit func(ctx context.Context) error
	// QueueSize is each subscription's notify queue (default
	// harness.DefaultPubSubQueue): a notify that finds it full is lost,
	// and the subscriber gets harness.ErrDropped (chatd-model.md section
	// 10). Set it before the run starts.
	QueueSize int

	orderByID bool // the catch-up query orders by id (set by Body)

	b     *Backend
	db    *pgstore.DB
	id    int64
	fence string // the payload of this run's fence notifies

	// ctx is the parent of every database call; Abort cancels it.
	ctx    context.Context
	cancel context.CancelFunc
	rt     *sched.Runtime // set by Body before any task starts; nil otherwise

	clock atomic.Uint64 // orders the commit records' events

	mu        sync.Mutex // guards the fields below
	listeners []*listener
	// lostListeners counts the listeners whose connection was lost.
	lostListeners atomic.Int64
	closed        bool
	errs          []error
	commits       []commitRecord // in the order InTx saw the commits return
}

// commitRecord is one committed transaction that inserted messages: COMMIT
// was sent at clock sent and had returned at clock done.
type commitRecord struct {
	ids        []int64
	sent, done uint64
}

// NewRun returns the run runID's view of the database. runID must be in 1
// .. MaxRunID and not in use by another run on the database (see
// AllocRunIDs); NewRun panics otherwise.
func (b *Backend) NewRun(runID int64) *Run {
	if runID < 1 || runID > MaxRunID {
		panic(fmt.Sprintf("pgbackend: run ID %d out of range 1..%d", runID, MaxRunID))
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Run{Timeout: b.Timeout, b: b, db: b.db, id: runID, ctx: ctx, cancel: cancel,
		fence: fmt.Sprintf(`{"fence":"r%d"}`, runID)}
}

// ID returns the run ID.
func (r *Run) ID() int64 { return r.id }

// PhysicalChatID returns the database's ID of the run's logical chat c,
// which must be in 1 .. ChatIDSpan-1.
func (r *Run) PhysicalChatID(c int64) (int64, error) {
	if c < 1 || c >= ChatIDSpan {
		return 0, fmt.Errorf("postgres: run %d: chat ID %d out of range 1..%d", r.id, c, ChatIDSpan-1)
	}
	return r.id*ChatIDSpan + c, nil
}

// LogicalChatID returns the logical ID of physical chat p and whether p
// belongs to this run.
func (r *Run) LogicalChatID(p int64) (int64, bool) {
	c := p - r.id*ChatIDSpan
	if p < r.id*ChatIDSpan || c < 1 || c >= ChatIDSpan {
		return 0, false
	}
	return c, true
}

// Channel returns the database's channel name for the run's channel ch.
func (r *Run) Channel(ch string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "r%d:", r.id)
	for _, c := range ch {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.ContainsRune("_:.-", c):
			sb.WriteRune(c)
		default:
			sb.WriteByte('_')
		}
	}
	name := sb.String()
	const limit = 63 // PostgreSQL's NAMEDATALEN-1
	if len(name) > limit {
		// Sanitising is not injective and truncating even less so: the hash
		// of the original name keeps long names apart.
		h := fnv.New32a()
		h.Write([]byte(ch))
		name = fmt.Sprintf("%s~%08x", name[:limit-9], h.Sum32())
	}
	return name
}

// timeout returns the bound of one database call.
func (r *Run) timeout() time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return DefaultTimeout
}

func (r *Run) fenceTimeout() time.Duration {
	if r.FenceTimeout > 0 {
		return r.FenceTimeout
	}
	return r.timeout()
}

// opCtx returns the context of one database call.
func (r *Run) opCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.ctx, r.timeout())
}

// yield is a scheduling point of the run (jitter, in wild mode) when the run
// is driven by Body.
func (r *Run) yield(label string) {
	if r.rt != nil {
		r.rt.Yield(label)
	}
}

// record keeps err for Err.
func (r *Run) record(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) < maxRecordedErrors {
		r.errs = append(r.errs, err)
	}
}

// Err returns what went wrong with the database during the run (the first
// few errors): every failed call other than a missing row, whether its
// caller saw the error or not (a listener that lost its connection, a fence
// that did not arrive, a catch-up query a merge gave up on), and an abort.
// Nil when nothing did.
func (r *Run) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return errors.Join(r.errs...)
}

// Abort cancels every database call of the run, in flight or to come, and
// stops its listeners; Err reports reason. It is for runs that must end
// now (a wild run that timed out); Close still settles what is left.
func (r *Run) Abort(reason string) {
	r.record(fmt.Errorf("postgres: run %d: aborted: %s", r.id, reason))
	r.cancel()
}

// CommitOrder returns the IDs of the messages the run's transactions
// inserted, in the order their commits returned to the client: an
// approximation of the server's commit order (two commits that return at
// about the same time may be recorded either way round).
func (r *Run) CommitOrder() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int64
	for _, c := range r.commits {
		out = append(out, c.ids...)
	}
	return out
}

// CommitInversions counts the pairs of the run's transactions that
// certainly committed out of ID order: the one holding higher IDs had
// returned from COMMIT before the other sent its COMMIT. Pairs whose
// commits overlapped in time are not counted.
func (r *Run) CommitInversions() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, a := range r.commits {
		for _, b := range r.commits {
			if b.done < a.sent && slices.Max(b.ids) > slices.Min(a.ids) {
				n++
			}
		}
	}
	return n
}

// Purge deletes the run's chats, messages and queued messages.
func (r *Run) Purge(ctx context.Context) error {
	from := r.id * ChatIDSpan
	if err := r.db.PurgeChats(ctx, from, from+ChatIDSpan); err != nil {
		return fmt.Errorf("postgres: run %d: purge: %w", r.id, err)
	}
	return nil
}

// dbError is a failed database call of a run: the message names the run and
// the logical operation, and it unwraps to the cause and, for a missing row,
// to harness.ErrNotFound.
type dbError struct {
	op  string
	err error
}

func (e *dbError) Error() string { return e.op + ": " + e.err.Error() }

func (e *dbError) Unwrap() []error {
	if errors.Is(e.err, pgstore.ErrNotFound) {
		return []error{e.err, harness.ErrNotFound}
	}
	return []error{e.err}
}

// wrap returns err, from a database call, as the run's error for the
// operation format names. Unless the database merely found no such row,
// the error is also recorded for Err: the harness's merges swallow the
// errors of their catch-up queries, and the oracle would then blame the
// merge for messages the database failed to return.
func (r *Run) wrap(err error, format string, args ...any) error {
	e := &dbError{op: fmt.Sprintf("postgres: run %d: ", r.id) + fmt.Sprintf(format, args...), err: err}
	if !errors.Is(err, pgstore.ErrNotFound) {
		r.record(e)
	}
	return e
}
