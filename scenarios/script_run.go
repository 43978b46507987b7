package scenarios

import (
	"errors"
	"fmt"
	"slices"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/sched"
)

// How a parsed script runs: setup on the main task (chats, queued
// messages, committed rows), then the steps in order on the main task.
// Transactions run as tasks of their own, driven by the main task one
// statement at a time; write, promote and worker steps start writer tasks
// and go on at once.

// txTask is an open transaction of a script: a task inside InTx that runs
// the commands the main task sends it, one at a time.
type txTask struct {
	cmds *sched.Queue[step]
	acks *sched.Queue[txAck]
}

type txAck struct {
	m   harness.Message
	err error
}

func (s *script) worldConfig() harness.WorldConfig {
	return harness.WorldConfig{
		Replicas:    s.replicas,
		PubSubQueue: s.pubsubQueue,
		Config: harness.Config{CacheCapacity: s.capacity, NotifyQueue: s.notifyQueue, ClientQueue: s.clientQueue,
			SkipRowLock: !s.rowLock, Polls: s.polls},
		DB: harness.DBConfig{OrderByID: s.orderByID, InsertTimeCreatedAt: s.version == 1,
			SyncFailures: s.syncFailures, SyncFailuresAlways: s.syncFailuresAlways, CreatedAtTies: s.createdAtTies},
		CheckOrder: s.checkOrder,
	}
}

func (s *script) workload() harness.Workload {
	return harness.Workload{
		Name:   s.name,
		Config: s.worldConfig(),
		Setup:  func(w *harness.World, strategy harness.Design) { s.run(w, strategy) },
	}
}

func (s *script) run(w *harness.World, strategy harness.Design) {
	queued := map[int64]harness.QueuedMessage{} // by chat (lookup only)
	for _, c := range s.chats {
		ch := harness.Chat{ID: c.id, Status: harness.StatusWaiting}
		for i := 0; i < c.toolCalls; i++ {
			ch.Status = harness.StatusRequiresAction
			ch.PendingToolCalls = append(ch.PendingToolCalls, fmt.Sprintf("call-%d", i+1))
		}
		w.Seeder.CreateChat(ch)
		if c.toolCalls > 0 {
			queued[c.id] = w.Seeder.Queue(c.id, "a queued message")
		}
	}
	msgs := map[int64]harness.Message{} // by ID (lookup only)
	for _, sd := range s.seeds {
		for i := 0; i < sd.n; i++ {
			m := w.Seeder.Seed(sd.chat, harness.RoleUser, fmt.Sprintf("row %d", i+1))
			msgs[m.ID] = m
		}
	}
	clients := map[string]*harness.Client{} // by subscriber name (lookup only)
	open := map[string]*txTask{}            // lookup only
	var order []string                      // open transactions, in begin order
	ask := func(t *txTask, st step) txAck {
		t.cmds.Send(st)
		a, _ := t.acks.Recv()
		return a
	}
	for _, st := range s.steps {
		r := w.Replicas[st.rep]
		switch st.op {
		case "append":
			r.AppendDurable(st.chat, msgs[st.id])
		case "publish":
			r.PublishMessage(st.chat, msgs[st.id])
		case "subscribe", "listen":
			c, err := w.Listen(r, st.name, st.chat, st.id, strategy)
			if err != nil {
				panic(err)
			}
			clients[st.name] = c
			if st.op == "subscribe" {
				if err := c.Start(); err != nil {
					panic(err)
				}
			}
		case "snapshot":
			if err := clients[st.name].Start(); err != nil {
				panic(err)
			}
		case "drop":
			streams := clients[st.name].Streams()
			streams[len(streams)-1].DropNext()
		case "listener-reconnect":
			r.ListenerReconnect()
		case "disconnect":
			clients[st.name].Disconnect()
		case "reconnect":
			if err := clients[st.name].Reconnect(); err != nil {
				panic(err)
			}
		case "begin":
			t := &txTask{cmds: sched.NewQueue[step](w.RT, "tx "+st.name, 1), acks: sched.NewQueue[txAck](w.RT, "tx "+st.name+" ack", 1)}
			open[st.name] = t
			order = append(order, st.name)
			w.Writer("tx "+st.name, func() { t.run(w, st.chat, s.rowLock, s.rowLock && !st.noBump) })
			if a, _ := t.acks.Recv(); a.err != nil { // begun, and holding the lock
				panic(a.err)
			}
		case "insert", "delete":
			a := ask(open[st.name], st)
			if a.err != nil {
				panic(a.err)
			}
			if st.op == "insert" {
				msgs[a.m.ID] = a.m
			}
		case "commit", "rollback":
			if a := ask(open[st.name], st); a.err != nil {
				panic(a.err)
			}
			delete(open, st.name)
			order = slices.DeleteFunc(order, func(n string) bool { return n == st.name })
		case "notify":
			w.PubSub.Publish(harness.ChatChannel(st.chat), st.nt)
		case "hint":
			vs, ok := w.Store.(harness.VersionStore)
			if !ok {
				panic(fmt.Sprintf("hint: the store %T has no versions", w.Store))
			}
			v, err := vs.ChatVersions(st.chat)
			if err != nil {
				panic(err)
			}
			w.PubSub.Publish(harness.ChatChannel(st.chat), harness.HintOf(v))
		case "remove":
			if err := r.DeleteMessage(st.chat, st.id); err != nil {
				panic(err)
			}
		case "edit":
			if err := r.EditMessage(st.chat, st.id, st.text); err != nil {
				panic(err)
			}
		case "write":
			chat, text := st.chat, fmt.Sprintf("written at line %d", st.line)
			if st.noBump {
				w.Writer("writer (no bump)@"+r.Name, func() {
					if _, err := r.WriteMessageSkippingBump(chat, harness.RoleAssistant, text); err != nil {
						panic(err)
					}
				})
				break
			}
			w.Writer("writer@"+r.Name, func() {
				if _, err := r.WriteMessage(chat, harness.RoleAssistant, text); err != nil {
					panic(err)
				}
			})
		case "promote":
			chat, q := st.chat, queued[st.chat]
			w.Writer("promote@"+r.Name, func() {
				if _, _, err := r.PromoteQueued(chat, q.ID); err != nil {
					panic(err)
				}
			})
		case "worker":
			w.Worker(r, st.chat, harness.WorkerOptions{Turns: 1, Ticks: st.n})
		case "settle":
			w.RT.WaitIdle()
		case "sleep":
			w.RT.Sleep(st.d)
		}
	}
	for _, name := range order { // what the script left open rolls back
		ask(open[name], step{op: "rollback"})
	}
}

var errRollback = errors.New("rollback")

// run is the transaction's task: it begins (through the update entry
// point when the script has the row lock on: the chat-row lock, then, with
// bump, the bump of the snapshot version), says so, then runs what the
// main task sends until a commit or a rollback.
func (t *txTask) run(w *harness.World, chat int64, lock, bump bool) {
	err := w.Store.InTx(func(tx harness.Tx) error {
		if lock {
			if _, err := tx.LockChat(chat); err != nil {
				return err
			}
		}
		if bump {
			if _, err := tx.BumpChatVersion(chat); err != nil {
				return err
			}
		}
		t.acks.Send(txAck{})
		for {
			st, _ := t.cmds.Recv()
			switch st.op {
			case "insert":
				m, err := tx.InsertMessage(chat, st.role, st.text)
				t.acks.Send(txAck{m: m, err: err})
			case "delete":
				t.acks.Send(txAck{err: tx.DeleteMessage(chat, st.id)})
			case "commit":
				return nil
			default:
				return errRollback
			}
		}
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	t.acks.Send(txAck{err: err})
}
