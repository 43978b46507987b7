// Package pgbackend runs the harness model of design/chatd-model.md
// (sections 1-7) against a real PostgreSQL: the same writers, worker,
// subscriber, merge strategies and oracle as harness.Workload.Body, with the
// in-memory store and pubsub replaced by real transactions from a pgxpool
// and real LISTEN/NOTIFY. A wild stress run then measures the database's own
// ordering and visibility, not the model's.
//
// # Backends and runs
//
// A Backend is a connection pool to one database, migrated (package
// pgstore's schema). A Run is everything one harness World needs for one run
// (harness.Store, harness.Seeder, harness.GroundTruth and harness.Notifier),
// namespaced so that many runs can share the database at once:
//
//   - chat IDs: logical chat c of run r is the physical chat
//     r*ChatIDSpan + c (ChatIDSpan is 1,000,000), for 1 <= c < ChatIDSpan
//     and 1 <= r <= MaxRunID; rows read back are mapped to the logical ID;
//   - pubsub channels: channel ch of run r is "r<r>:" + ch, with characters
//     other than letters, digits and "_:.-" replaced by "_" (and a hash
//     suffix if the result would pass PostgreSQL's 63-byte limit);
//   - message and queued message IDs come from the database's sequences,
//     shared by every run: IDs of one run are increasing but not dense.
//
// Two runs with the same run ID on one database collide (seeding a chat
// fails with "already exists"); Backend.AllocRunIDs hands out fresh IDs.
//
// # Wild only
//
// A Run must be driven by sched.RunWild. Under sched.Run (controlled) a
// transaction waiting on a row lock held by a parked task would block the
// whole run.
//
// # Settling
//
// harness.World.Settle calls Close once the writers and workers are done.
// Close publishes a fence notify on every subscribed channel; PostgreSQL
// delivers notifies in commit order, so once a listener has seen its fence it
// has seen everything committed before Close. Each listener delivers up to
// its fence, closes its connection and stops; Close returns when all have.
//
// # Errors
//
// Every database call runs under a context with Run.Timeout (10 s by
// default), so a server that goes away gives an error, never a hang. Store
// and Tx methods return errors ("postgres: run 3: insert user message into
// chat 1: ..."); the harness's writers panic on them, which a wild run
// reports as its failure. Notifier, Seeder and GroundTruth have no error
// results: they panic with such an error, except the listeners, which
// cannot (a lost connection, a fence that did not arrive within
// Run.FenceTimeout). Every database failure but a missing row is also
// recorded in Run.Err, including those a caller swallows (a merge gives up
// on a failed catch-up query), and Run.Body fails the run with Run.Err once
// the world has settled: the oracle's verdict on such a run would blame the
// merge for the database's failure.
//
// # Stress runs and their failures
//
// StressPromote runs the promote workload many times, each run on its own
// chat. A failing run cannot be replayed: its interleaving came from the
// database and the OS scheduler, not from its seed. Its rows are kept
// instead, and its failure line names the run ID and the physical chat ID
// and ends with a command listing the chat's messages, for instance
//
//	psql "$INTERLEAVE_PG_DSN" -c 'select id, role, created_at, deleted from chat_messages where chat_id = 912000001 order by created_at, id'
//
// (the chats and queued_messages tables hold the chat's status and queue
// under the same ID). Rows of passing runs are deleted unless
// StressConfig.Keep is set.
package pgbackend
