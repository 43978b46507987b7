package harness

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/interleave/interleave/sched"
)

// Workload is a setup of writers and subscribers over a World. Setup starts
// tasks; the harness then settles the world and runs the oracle, plus the
// workload's own Verify.
type Workload struct {
	Name   string
	Config WorldConfig
	// Setup seeds the store and starts the tasks; it runs on the main task.
	Setup func(w *World, s Design)
	// Verify, optional, adds checks of its own after the world settled.
	Verify func(w *World) []Violation
}

// Outcome is what a run of a workload left behind.
type Outcome struct {
	World      *World
	Violations []Violation

	// run is what Body's function runs, kept here so that the function
	// is the one allocation of Body: body, made for the outcome at self
	// and kept by Reset, so that a reused Outcome's Body allocates
	// nothing.
	run  bodyRun
	body func(rt *sched.Runtime)
	self *Outcome
	// A workload's own violation, in memory the outcome keeps: free is
	// what Reset released, used what the run took (World.violationMem).
	free, used *violationMem
}

// violationMem is the memory of one violation and its two IDs.
type violationMem struct {
	vs  [1]Violation
	ids [2]int64
}

// Reset empties the outcome for the next Body given it, keeping the
// function Body made for it and the memory of its workload's violation,
// which the next run given it may write over: call it once the run it
// recorded is over, and give the outcome to another Body only when no one
// reads that run's violations any more.
func (o *Outcome) Reset() {
	free := o.free
	if o.used != nil {
		free = o.used
	}
	*o = Outcome{body: o.body, self: o.self, free: free}
}

// violationMem returns zeroed memory for a violation of the run's
// workload: the run's outcome's, if Reset released some, else new (which
// the outcome keeps).
func (w *World) violationMem() *violationMem {
	o := w.outcome
	if o == nil {
		return new(violationMem)
	}
	m := o.free
	if m == nil || o.used != nil {
		m = new(violationMem)
	} else {
		*m = violationMem{}
	}
	o.free, o.used = nil, m
	return m
}

// bodyRun is a run of a workload for a design.
type bodyRun struct {
	wl Workload
	s  Design
}

// Body returns the function to run under sched.Run or sched.RunWild: it
// builds the world for design s (judged by its own oracle, or by the one
// JudgedBy names), runs the workload, settles it and checks
// it, records the outcome in out (which may be nil) and fails the run with
// the violations, if any. The function keeps what it runs in out until it
// starts: give out to one Body at a time.
func (wl Workload) Body(s Design, out *Outcome) func(rt *sched.Runtime) {
	if out == nil {
		run := &bodyRun{wl: wl, s: s}
		return func(rt *sched.Runtime) { run.do(rt, nil) }
	}
	// The workload in out's memory, and a function that holds only out:
	// one allocation, where a function holding wl took two.
	out.run = bodyRun{wl: wl, s: s}
	if out.body == nil || out.self != out {
		out.self = out
		out.body = func(rt *sched.Runtime) {
			run := out.run // read once, at the start: out is the caller's after the run
			run.do(rt, out)
		}
	}
	return out.body
}

func (r *bodyRun) do(rt *sched.Runtime, out *Outcome) {
	wl := &r.wl
	cfg, s := Prepare(r.s, wl.Config)
	w := NewWorld(rt, cfg)
	w.outcome = out // its memory for the workload's violations
	wl.Setup(w, s)
	vs := w.Check()
	if wl.Verify != nil {
		if more := wl.Verify(w); len(vs) == 0 && len(more) > 0 {
			vs = more // no copy: most runs' oracle finds nothing
		} else {
			vs = append(vs, more...)
		}
	}
	if out != nil {
		out.World, out.Violations = w, vs
	}
	w.failOnReturn(vs) // the body's last act
}

// Prepare returns what a run of design s uses: cfg with ProducerLock and
// Hints set as the design asks (ConfigFor) and, for a JudgedBy design, its
// oracle; and the design to run (Base).
func Prepare(s Design, cfg WorldConfig) (WorldConfig, Design) {
	if _, ok := s.(judged); ok {
		cfg.Oracle = OracleOf(s)
	}
	s = Base(s)
	cfg.Config = ConfigFor(s, cfg.Config)
	return cfg, s
}

// PromoteParams shape PromoteWhileRequiresAction.
type PromoteParams struct {
	// ToolCalls is the number of tool calls the chat waits on (default 2).
	ToolCalls int
	// After is the subscriber's afterMessageID (default: the last seeded
	// row, so the snapshot is empty).
	After int64
	// ChatID is the chat's ID (default 1).
	ChatID int64
	// Ticks is how many extra acquire ticks the worker may take.
	Ticks int
}

// HistoryOrder is the property of the original flaky test: the synthetic
// tool rows precede the promoted user row in stored history (§9).
const HistoryOrder Property = "history order"

// PromoteWhileRequiresAction is the original flaky end-to-end case (§9): a
// chat waits in requires_action on tool calls, a queued message is
// promoted, the worker resumes; a subscriber on the same replica must see
// every message once.
func PromoteWhileRequiresAction(p PromoteParams) Workload {
	calls := p.ToolCalls
	if calls <= 0 {
		calls = 2
	}
	chat := p.ChatID
	if chat == 0 {
		chat = 1
	}
	// What a run's writer found, read by Verify; these lists, and the
	// setup's, keep their memory from run to run (the runs of a workload
	// are one after another).
	var promoted, synthetic, pos []int64
	var details recentTexts // the last violations' details: most are the same
	var history, synRows []Message
	// The run's replica and queued message, for its writer, made once.
	var run struct {
		r      *Replica
		queued int64
	}
	promote := func() {
		syn, pro, err := run.r.promoteQueued(chat, run.queued, synRows)
		if err != nil {
			panic(err)
		}
		synRows = syn
		synthetic, promoted = appendIDs(synthetic[:0], syn), append(promoted[:0], pro.ID)
	}
	// What every run seeds, made once: the store copies the chat's tool
	// calls before it changes them, and never changes a seeded message.
	var toolCalls []string
	for i := 0; i < calls; i++ {
		toolCalls = append(toolCalls, fmt.Sprintf("call-%d", i+1))
	}
	seeded := []Message{
		{Role: RoleUser, Content: "run the tools"},
		{Role: RoleAssistant, Content: fmt.Sprintf("calling %d tools", calls)},
	}
	return Workload{
		Name: "promote-while-requires-action",
		Setup: func(w *World, s Design) {
			promoted, synthetic = promoted[:0], synthetic[:0]
			r := w.Replicas[0]
			history = seedInto(history, w, Chat{ID: chat, Status: StatusRequiresAction, PendingToolCalls: toolCalls}, seeded)
			q := w.Seeder.Queue(chat, "actually, do this instead")
			after := p.After
			if after == 0 {
				after = history[len(history)-1].ID
			}
			w.Subscribe(r, "sub", chat, after, s)
			run.r, run.queued = r, q.ID
			w.Writer("promote", promote)
			w.Worker(r, chat, WorkerOptions{Turns: 1, Ticks: p.Ticks})
		},
		Verify: func(w *World) []Violation {
			pos = pos[:0]
			for _, m := range historyOf(w.Truth, chat) {
				pos = append(pos, m.ID)
			}
			at := func(id int64) int { return slices.Index(pos, id) }
			for _, id := range synthetic {
				if len(promoted) == 1 && at(id) > at(promoted[0]) {
					// The violation and its IDs in one block, the
					// outcome's if it has one free, the detail in one
					// string: a failing design fails most schedules here.
					mem := w.violationMem()
					mem.ids = [2]int64{id, promoted[0]}
					var buf [128]byte
					detail := append(buf[:0], "synthetic tool row comes after the promoted user row in history "...)
					mem.vs[0] = Violation{Subscriber: "store", Property: HistoryOrder, IDs: mem.ids[:],
						Detail: details.of(appendInt64s(detail, pos))}
					return mem.vs[:]
				}
			}
			return nil
		},
	}
}

// appendInt64s appends ids as fmt's %v prints them, "[1 2 3]", without
// fmt: a failing design fails most schedules here.
func appendInt64s(b []byte, ids []int64) []byte {
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	return append(b, ']')
}

// seed creates a chat with committed history through the world's seeder
// and returns the rows as committed.
func seed(w *World, c Chat, history []Message) []Message {
	return seedInto(nil, w, c, history)
}

// seedInto is seed returning the rows in dst's memory.
func seedInto(dst []Message, w *World, c Chat, history []Message) []Message {
	if w.Seeder == nil {
		panic("harness: the world has a store but no Seeder (WorldConfig.Seeder)")
	}
	w.Seeder.CreateChat(c)
	out := dst[:0]
	for _, m := range history {
		out = append(out, w.Seeder.Seed(c.ID, m.Role, m.Content))
	}
	return out
}

// WithEditor returns wl with one more writer on replica 0, racing wl's
// own: it edits the chat's first visible row, then soft-deletes its
// second (each through the update entry point: new revisions, and for the
// stream loop a history_reset). The name gets "+edits".
func WithEditor(wl Workload, chatID int64) Workload {
	setup := wl.Setup
	wl.Name += "+edits"
	wl.Setup = func(w *World, s Design) {
		setup(w, s)
		r := w.Replicas[0]
		w.Writer("editor", func() {
			hist, err := w.Store.GetChatMessagesByChatID(chatID, 0)
			if err != nil {
				panic(err)
			}
			if len(hist) < 2 {
				panic(fmt.Sprintf("editor: chat %d has %d rows, want 2 to edit and delete", chatID, len(hist)))
			}
			if err := r.EditMessage(chatID, hist[0].ID, "edited"); err != nil {
				panic(err)
			}
			if err := r.DeleteMessage(chatID, hist[1].ID); err != nil {
				panic(err)
			}
		})
	}
	return wl
}

// WithBumpSkipper returns wl with one more writer on replica 0, racing
// wl's own, that writes a row without the version bump (stream-loop.md
// H1, Replica.WriteMessageSkippingBump). The name gets "+bump-skip".
func WithBumpSkipper(wl Workload, chatID int64) Workload {
	setup := wl.Setup
	wl.Name += "+bump-skip"
	wl.Setup = func(w *World, s Design) {
		setup(w, s)
		r := w.Replicas[0]
		w.Writer("writer (no bump)", func() {
			if _, err := r.WriteMessageSkippingBump(chatID, RoleAssistant, "written without the bump"); err != nil {
				panic(err)
			}
		})
	}
	return wl
}
