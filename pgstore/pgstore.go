// Package pgstore is a thin layer over a real PostgreSQL database holding the
// chat data described in design/chatd-model.md sections 1 and 4: messages whose
// IDs come from a sequence at insert time inside a transaction (so commit order
// can differ from ID order), a chats table whose rows writers lock, and
// LISTEN/NOTIFY for the pubsub that carries publish notifications.
//
// It deliberately does nothing clever: every method is one or two SQL
// statements, so that a harness backend wrapping it exhibits exactly the
// database's own ordering and visibility behaviour.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DefaultConnectTimeout bounds establishing one connection when the DSN does
// not set connect_timeout, so a wrong address fails fast instead of hanging.
const DefaultConnectTimeout = 5 * time.Second

// ErrNotFound is returned when a row to update or lock does not exist.
var ErrNotFound = errors.New("pgstore: not found")

// Message is one row of chat_messages as the catch-up query returns it.
type Message struct {
	ID        int64
	ChatID    int64
	Role      string
	Content   string
	CreatedAt time.Time
	// Revision is the chat's snapshot_version when the row was last
	// written (the BEFORE trigger's stamp, see Migrate).
	Revision int64
	// Deleted is the soft-delete flag (the catch-up query never returns
	// deleted rows; the stream loop's sync does).
	Deleted bool
}

// DB is a connection pool to one database plus what is needed to open
// dedicated listener connections to the same server.
type DB struct {
	pool *pgxpool.Pool
	// connCfg is the parsed single-connection config, copied for listeners.
	connCfg *pgx.ConnConfig
	// addr is host:port for error messages (never includes credentials).
	addr string
}

// Open connects a pool of at most poolSize connections to dsn and pings the
// server. It fails within about DefaultConnectTimeout (or ctx's deadline, if
// sooner) when the server cannot be reached. Errors name the server's
// host:port but never the password.
func Open(ctx context.Context, dsn string, poolSize int) (*DB, error) {
	cfg, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	return openConfig(ctx, cfg, poolSize)
}

// parseDSN parses dsn and applies the package's connection defaults.
func parseDSN(dsn string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgconn redacts passwords in its parse errors.
		return nil, fmt.Errorf("pgstore: invalid DSN: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout <= 0 {
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	return cfg, nil
}

func openConfig(ctx context.Context, cfg *pgxpool.Config, poolSize int) (*DB, error) {
	if poolSize < 1 {
		return nil, fmt.Errorf("pgstore: pool size must be at least 1, got %d", poolSize)
	}
	cfg.MaxConns = int32(poolSize)
	cfg.MinConns = 0

	db := &DB{
		connCfg: cfg.ConnConfig.Copy(),
		addr:    serverAddr(cfg.ConnConfig),
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: connect to %s: %w", db.addr, err)
	}
	// The pool connects lazily; Ping forces one connection now so that a bad
	// address or credentials are reported by Open, not by the first query.
	pingCtx, cancel := context.WithTimeout(ctx, cfg.ConnConfig.ConnectTimeout+time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, unreachable("", db.addr, err)
	}
	db.pool = pool
	return db, nil
}

// unreachableError is the error of a connection that could not be made.
// pgx tries a server several times (every address its name resolves to,
// each with and then without TLS under the default sslmode=prefer) and
// joins one error per attempt, which mostly repeat one another; the message
// gives the first attempt's cause only, on one line, and the error unwraps
// to pgx's whole error.
type unreachableError struct {
	who  string // who could not connect: "" (the pool) or "listener "
	addr string
	err  error
}

// unreachable returns the error of a connection to addr that failed with err.
func unreachable(who, addr string, err error) error {
	return &unreachableError{who: who, addr: addr, err: err}
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("pgstore: %scannot reach PostgreSQL at %s: %v", e.who, e.addr, firstAttempt(e.err))
}

func (e *unreachableError) Unwrap() error { return e.err }

// firstAttempt returns the cause of the first connection attempt in err, a
// pgconn.ConnectError, or err itself if it is not one. pgconn's message for
// one attempt is "<address> (<host>): <cause>"; the address is dropped, since
// the caller names the server and the cause (a dial error) names the
// address again.
func firstAttempt(err error) error {
	var ce *pgconn.ConnectError
	if !errors.As(err, &ce) {
		return err
	}
	joined, ok := ce.Unwrap().(interface{ Unwrap() []error })
	if !ok {
		return ce.Unwrap() // one error, not one per attempt: a resolver's, say
	}
	attempts := joined.Unwrap()
	if len(attempts) == 0 {
		return err
	}
	first := attempts[0]
	if cause := errors.Unwrap(first); cause != nil {
		msg := first.Error()
		if prefix, found := strings.CutSuffix(msg, cause.Error()); found && strings.HasSuffix(prefix, "): ") && strings.Contains(prefix, " (") {
			return cause
		}
	}
	return first
}

// serverAddr renders the configured server as host:port (or socket dir:port).
func serverAddr(c *pgx.ConnConfig) string {
	host := c.Host
	if host == "" {
		host = "localhost"
	}
	if strings.HasPrefix(host, "/") {
		return host + ":" + strconv.Itoa(int(c.Port))
	}
	return net.JoinHostPort(host, strconv.Itoa(int(c.Port)))
}

// Addr returns the server address (host:port) this DB talks to.
func (db *DB) Addr() string { return db.addr }

// Pool exposes the underlying pool for callers that need a query this
// package does not offer.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Close closes the pool, waiting for connections in use to be released.
// Listeners are independent and must be closed separately.
func (db *DB) Close() { db.pool.Close() }

// migrateLockKey is an arbitrary pg_advisory_xact_lock key that serialises
// concurrent Migrate calls (CREATE ... IF NOT EXISTS alone can still race on
// the catalog).
const migrateLockKey = 0x696e746c76 // "intlv"

var schema = []string{
	`CREATE TABLE IF NOT EXISTS chats (
		id     bigint PRIMARY KEY,
		status text
	)`,
	`CREATE TABLE IF NOT EXISTS chat_messages (
		id         bigserial   PRIMARY KEY,
		chat_id    bigint      NOT NULL,
		role       text        NOT NULL,
		content    text        NOT NULL,
		created_at timestamptz NOT NULL DEFAULT now(),
		deleted    boolean     NOT NULL DEFAULT false
	)`,
	`CREATE INDEX IF NOT EXISTS chat_messages_chat_id_created_at_idx
		ON chat_messages (chat_id, created_at)`,
	// The tool calls a chat in requires_action waits on (section 4).
	`ALTER TABLE chats ADD COLUMN IF NOT EXISTS pending_tool_calls text[] NOT NULL DEFAULT '{}'`,
	// User messages queued while the chat is busy (section 4, PromoteQueued).
	`CREATE TABLE IF NOT EXISTS queued_messages (
		id      bigserial PRIMARY KEY,
		chat_id bigint    NOT NULL,
		content text      NOT NULL
	)`,
	`CREATE INDEX IF NOT EXISTS queued_messages_chat_id_idx ON queued_messages (chat_id)`,
	// created_at is the transaction's start time, shared by its rows
	// (chatd-model.md section 10); databases migrated before default to
	// clock_timestamp().
	`ALTER TABLE chat_messages ALTER COLUMN created_at SET DEFAULT now()`,
}

// Migrate creates the tables and index if they do not exist, then the
// stream loop's versions and triggers (versionSchema). It is idempotent
// and safe to call concurrently.
func (db *DB) Migrate(ctx context.Context) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrateLockKey)); err != nil {
			return err
		}
		for _, stmt := range append(schema, versionSchema...) {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("pgstore: migrate: %w", err)
	}
	return nil
}

// Reset empties the tables and restarts the message and queued message ID
// sequences at 1.
func (db *DB) Reset(ctx context.Context) error {
	if _, err := db.pool.Exec(ctx, `TRUNCATE chat_messages, chats, queued_messages RESTART IDENTITY`); err != nil {
		return fmt.Errorf("pgstore: reset: %w", err)
	}
	return nil
}

// GetChatMessagesByChatID is the catch-up query (chatd-model.md sections 1
// and 10): the committed, non-deleted messages of chatID with id > afterID,
// ordered by created_at, the inserting transaction's start time, with no
// tie-break, as upstream ordered it. Because IDs are taken at insert time
// but rows appear at commit, a row with a lower ID can become visible after
// a query with afterID above it has already run; and a transaction that
// began first but inserted second has the higher ID and the earlier
// created_at.
func (db *DB) GetChatMessagesByChatID(ctx context.Context, chatID, afterID int64) ([]Message, error) {
	return db.GetChatMessages(ctx, chatID, afterID, false)
}

// GetChatMessages is GetChatMessagesByChatID, ordered by id instead when
// byID is set (the later upstream change).
func (db *DB) GetChatMessages(ctx context.Context, chatID, afterID int64, byID bool) ([]Message, error) {
	order := "created_at"
	if byID {
		order = "id"
	}
	rows, err := db.pool.Query(ctx, `
		SELECT `+messageColumns+`
		FROM chat_messages
		WHERE chat_id = $1 AND id > $2 AND NOT deleted
		ORDER BY `+order, chatID, afterID)
	if err != nil {
		return nil, fmt.Errorf("pgstore: get messages of chat %d: %w", chatID, err)
	}
	msgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Message, error) { return scanMessage(r) })
	if err != nil {
		return nil, fmt.Errorf("pgstore: get messages of chat %d: %w", chatID, err)
	}
	return msgs, nil
}

// maxChannelLen is PostgreSQL's identifier limit (NAMEDATALEN-1). LISTEN
// would silently truncate a longer name while pg_notify rejects it, so such
// names are refused up front.
const maxChannelLen = 63

func checkChannel(channel string) error {
	if channel == "" || len(channel) > maxChannelLen {
		return fmt.Errorf("pgstore: channel name must be 1..%d bytes, got %d", maxChannelLen, len(channel))
	}
	return nil
}

// Notify sends payload on channel with pg_notify on a pooled connection, in
// its own implicit transaction (so it is delivered as soon as it returns).
// Channel names are case-sensitive and match Listen's.
func (db *DB) Notify(ctx context.Context, channel, payload string) error {
	if err := checkChannel(channel); err != nil {
		return err
	}
	if _, err := db.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, channel, payload); err != nil {
		return fmt.Errorf("pgstore: notify %q: %w", channel, err)
	}
	return nil
}
