// Package harness is the system under test: the chat daemon's durable
// message stream, modelled after ../shared/design/chatd-model.md (cited below
// as "§n"), on top of package sched so that every interleaving that matters
// is a scheduling decision.
//
// # The pieces
//
//   - [Store] (§1): transactions that insert rows with IDs from a sequence at
//     insert time, visible only at commit, and the catch-up query
//     GetChatMessagesByChatID ordered by created_at. [MemStore] implements it
//     under the scheduler; storemock holds a gomock mock of it.
//   - [Replica] (§2, §3, §4): one server replica with its per-chat stream
//     state (the durable cache with evictedBefore, local subscribers and
//     their fan-out) and the writers: [Replica.PromoteQueued], the worker
//     ([Replica.RunWorker]), [Replica.EditMessage], and
//     [Replica.WriteMessage] for plain writes (another replica's writes
//     reach this one only through the database and pubsub).
//   - [PubSub] (§3): pg_notify with delayed delivery. A publish is a
//     scheduling point (the notify's own commit); each listener connection
//     delivers in commit order, as its own task, as late as the scheduler
//     likes.
//   - [Subscriber] (§5) and the [MergeStrategy] seam (§6): [Naive],
//     [FixedR1], [Fixed] and [ProducerLock]; a user can plug in another.
//   - The oracle (§7): [Check] and [Violation].
//   - [World] wires them together and settles the system: writers finish,
//     notifies drain, merge goroutines exit, and then the oracle runs.
//
// The same code runs wild (sched.RunWild) for stress runs under -race; the
// harness guards its in-memory data with sync.Mutex, never held across a
// scheduling point, so under control it is never contended.
//
// Left out, because they cannot change which messages a subscriber
// receives: authorization checks, timeouts and retries, message parts and
// streaming deltas, status events beyond their notify, chat titles and
// usage accounting.
package harness
