// Package harness is the system under test: the chat daemon's durable
// message stream, modelled after ../shared/design/chatd-model.md (cited below
// as "§n"), on top of package sched so that every interleaving that matters
// is a scheduling decision.
//
// # The pieces
//
//   - [Store] (§1, §10): transactions that insert rows with IDs from one
//     sequence shared by every chat, taken at insert time, visible only at
//     commit; created_at is the transaction's start, shared by its rows;
//     the catch-up query GetChatMessagesByChatID orders by created_at with
//     no tie-break (where a transaction's tied rows come is a scheduling
//     choice), or by ID ([DBConfig]). [MemStore] implements it under the
//     scheduler; storemock holds a gomock mock of it.
//   - [Replica] (§2, §3, §4, §10): one server replica with its per-chat
//     stream state (the durable cache with evictedBefore, local subscribers
//     and their fan-out) and the writers: [Replica.PromoteQueued], the
//     worker ([Replica.RunWorker]), [Replica.EditMessage], and
//     [Replica.WriteMessage] for plain writes (another replica's writes
//     reach this one only through the database and pubsub). Every writer
//     takes the chat-row lock first, so within a chat IDs commit in ID
//     order; [Config.SkipRowLock] models writers that skip it.
//   - [PubSub] (§3, §10): pg_notify with delayed delivery. A publish is a
//     scheduling point (the notify's own commit); each subscription
//     delivers in commit order, from a queue of 2048, as its own task, as
//     late as the scheduler likes. An overflow, [Replica.DropNext] or a
//     listener reconnect ([Replica.ListenerReconnect]) gives the
//     subscriber [ErrDropped].
//   - [Subscriber] (§5) and the [MergeStrategy] seam (§6): [Naive],
//     [FixedR1], [Fixed] and [ProducerLock]; a user can plug in another.
//     A stream sends its client events over a channel of capacity 128 that
//     blocks when full; ErrDropped ends it with an error event.
//   - [Client] (§10): the other end of a stream. It holds what it read
//     before subscribing, and reconnects, after an error event, with
//     afterMessageID = the last ID it received.
//   - The oracle (§7, §10): [CheckClient] judges a client across its
//     reconnects, [Check] one stream; [Violation].
//   - [Observer] (WorldConfig.Observer): the model's typed events, each
//     with the state it left as named fields (the db's committed and
//     uncommitted rows, each replica's cache and evictedBefore, each
//     pubsub queue, each subscriber's cursor and deliveries), for a
//     timeline to draw; the trace's notes are unchanged. Without an
//     observer no event is built.
//   - [World] wires them together and settles the system: writers finish,
//     notifies drain, merge goroutines exit, clients reconnect and read,
//     and then the oracle runs.
//
// The same code runs wild (sched.RunWild) for stress runs under -race; the
// harness guards its in-memory data with sync.Mutex, never held across a
// scheduling point. Under control, where one task runs at a time, the
// guards take no lock at all (guard.go says why -race agrees).
//
// Left out, because they cannot change which messages a subscriber
// receives: authorization checks, timeouts and retries, message parts and
// streaming deltas, status events beyond their notify, chat titles and
// usage accounting.
package harness
