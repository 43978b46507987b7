package pgstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrListenerClosed is returned by Next after (or because of) Close.
var ErrListenerClosed = errors.New("pgstore: listener closed")

// closeTimeout bounds sending Terminate when a listener closes.
const closeTimeout = 5 * time.Second

// Listener receives the notifications of one channel on a dedicated
// connection (not from the pool, so a waiting listener never starves
// writers). Next and Close may be called from different goroutines; calls to
// Next are serialised.
type Listener struct {
	channel string
	pid     uint32

	closing context.Context // done once Close has begun
	stop    context.CancelFunc

	mu   sync.Mutex // held while conn is in use
	conn *pgx.Conn  // nil after Close
}

// Listen opens a new connection to the server and subscribes it to channel
// (LISTEN, with the name quoted, so it is case-sensitive and may contain any
// characters). Notifications sent after Listen returns are delivered to Next
// in the order PostgreSQL delivers them (the order the sending transactions
// committed).
func (db *DB) Listen(ctx context.Context, channel string) (*Listener, error) {
	if err := checkChannel(channel); err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, db.connCfg.Copy())
	if err != nil {
		return nil, unreachable("listener ", db.addr, err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
		defer cancel()
		_ = conn.Close(cctx)
		return nil, fmt.Errorf("pgstore: listen %q: %w", channel, err)
	}
	closing, stop := context.WithCancel(context.Background())
	return &Listener{
		channel: channel,
		pid:     conn.PgConn().PID(),
		closing: closing,
		stop:    stop,
		conn:    conn,
	}, nil
}

// Channel returns the channel this listener is subscribed to.
func (l *Listener) Channel() string { return l.channel }

// BackendPID returns the server process ID of the listener's connection
// (for pg_terminate_backend in fault-injection tests).
func (l *Listener) BackendPID() uint32 { return l.pid }

// Next waits for the next notification on the channel and returns its
// payload. It returns an error when ctx is done (wrapping ctx.Err(); the
// listener stays usable), when the connection fails (the listener is then
// dead: every later Next fails too), or ErrListenerClosed when Close is or
// was called.
func (l *Listener) Next(ctx context.Context) (string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopAfter := context.AfterFunc(l.closing, cancel) // Close interrupts a waiting Next
	defer stopAfter()

	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return "", ErrListenerClosed
	}
	n, err := l.conn.WaitForNotification(ctx)
	if err != nil {
		if l.closing.Err() != nil {
			return "", ErrListenerClosed
		}
		return "", fmt.Errorf("pgstore: wait for notification on %q: %w", l.channel, err)
	}
	return n.Payload, nil
}

// Close interrupts a waiting Next and closes the connection. It is
// idempotent.
func (l *Listener) Close() error {
	l.stop()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	err := l.conn.Close(ctx)
	l.conn = nil
	if err != nil {
		return fmt.Errorf("pgstore: close listener on %q: %w", l.channel, err)
	}
	return nil
}
