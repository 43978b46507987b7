package scenarios

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/interleave/interleave/harness"
)

// The headers of the scenario file format's versions. Version 2 models
// upstream as it is (chatd-model.md §10): writers take the chat-row lock,
// created_at is the transaction's start. Version 1 files keep their
// meaning: no lock unless 'row-lock on', created_at at each insert.
const (
	scriptHeaderV1 = "interleave-scenario v1"
	scriptHeaderV2 = "interleave-scenario v2"
)

// A script is a scenario written as text (see testdata/scenarios/README.md):
// setup lines, then steps run in order by the main task, while the
// subscribers' listeners and merges, and the writers a step starts, run as
// tasks the search interleaves.
type script struct {
	version            int
	name, doc          string
	small              bool
	replicas           int
	capacity           int
	rowLock            bool
	orderByID          bool
	pubsubQueue        int
	clientQueue        int
	notifyQueue        int
	brokenPublisher    bool
	syncFailures       int
	createdAtTies      bool
	polls              int // 0: the default; -1: none
	syncFailuresAlways bool
	checkOrder         bool         // the oracle checks the order within a sync whatever the database's order
	chats              []scriptChat // chat 1 first, then in declaration order
	seeds              []scriptSeed // the rows lines, in file order
	steps              []step
	expect             map[string]Verdict
}

// scriptChat is a chat of a script: chat 1, or one a 'chat' line declared.
type scriptChat struct {
	id        int64
	toolCalls int // > 0: the chat waits in requires_action, with a queued message
}

// scriptSeed is a rows line: n committed rows of a chat.
type scriptSeed struct {
	chat int64
	n    int
}

type step struct {
	line int
	op   string
	name string // tx or subscriber name
	chat int64
	rep  int // replica index
	id   int64
	n    int // ticks of a worker
	role harness.Role
	text string
	nt   harness.Notify
	// noBump: a writer that skips the update entry point's bump
	// (bump=off, stream-loop.md H1).
	noBump bool
	// d is a sleep's virtual time.
	d time.Duration
}

var scriptOps = []string{"name", "doc", "small", "replicas", "capacity", "row-lock", "order-by", "pubsub-queue", "notify-queue", "client-queue",
	"broken-publisher", "sync-failures", "created-at-ties", "polls", "check-order", "chat", "tool-calls", "rows", "subscribe", "listen", "snapshot",
	"begin", "insert", "delete", "commit", "rollback", "cache", "append", "publish", "notify", "hint", "edit", "remove", "write",
	"promote", "worker", "drop", "listener-reconnect", "disconnect", "reconnect", "settle", "sleep", "expect"}

// scriptSettings are the lines that must come before the first step: they
// shape the world every step runs in.
var scriptSettings = []string{"replicas", "row-lock", "order-by", "pubsub-queue", "notify-queue", "client-queue", "broken-publisher",
	"sync-failures", "created-at-ties", "polls", "check-order", "chat", "tool-calls", "rows"}

// LoadScript reads a scenario file.
func LoadScript(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("scenario file: %w", err)
	}
	defer f.Close()
	sc, err := ParseScript(f, path)
	if err != nil {
		return nil, err
	}
	return sc, nil
}

// rowState is what the parser knows of a row a script names by ID.
type rowState struct {
	chat      int64
	tx        string // the transaction that inserted it ("" for rows lines)
	committed bool
	rolled    bool // its transaction rolled back
	deleted   bool
}

// txState is an open transaction of a script, as the parser tracks it.
type txState struct {
	chat    int64
	line    int
	rows    []int64
	deletes []int64
}

// ParseScript parses a scenario file; errors name the file, the line and
// what was expected. Lines the model could not run (a row published before
// it committed, a transaction that would wait forever on the chat-row lock,
// a replica that does not exist) are errors too: a file that parses runs.
// The file and its numbers are bounded (MaxScriptBytes, MaxRows,
// MaxReplicas, MaxCapacity, MaxMessageID).
func ParseScript(r io.Reader, file string) (*Scenario, error) {
	s, err := parseScript(r, file)
	if err != nil {
		return nil, err
	}
	return &Scenario{Name: s.name, Doc: s.doc, Small: s.small, Source: file, Expect: s.expect,
		Build: func(Gen) harness.Workload { return s.workload() }}, nil
}

func parseScript(r io.Reader, file string) (*script, error) {
	s := &script{replicas: 1, expect: map[string]Verdict{}, chats: []scriptChat{{id: chatID}}}
	base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	s.name = base
	named := false // a name line was read
	data, err := io.ReadAll(io.LimitReader(r, MaxScriptBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(data) > MaxScriptBytes {
		return nil, fmt.Errorf("%s: longer than %d bytes, the most a scenario file may hold", file, MaxScriptBytes)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), MaxScriptBytes+1)
	line := 0
	header := false
	nextID := int64(0)
	idsKnown := true              // every ID so far is known (no writer task has started)
	rows := map[int64]*rowState{} // rows the script can name, by ID (lookup only)
	txs := map[string]*txState{}  // open transactions (lookup only)
	subs := map[string]int64{}    // subscriber names and their chats (lookup only)
	listening := map[string]int{} // subscribers between listen and snapshot, by line (lookup only)
	away := map[string]int{}      // subscribers between disconnect and reconnect, by line (lookup only)
	var listenOrder []string      // the same, in order
	promoted := map[int64]bool{}  // chats with a promote step (lookup only)
	seeded := map[int64]bool{}    // chats with a rows line (lookup only)
	errf := func(format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, args...))
	}
	chatOf := func(id int64) (scriptChat, bool) {
		for _, c := range s.chats {
			if c.id == id {
				return c, true
			}
		}
		return scriptChat{}, false
	}
	// lockHolder is the open transaction that holds chat's row lock.
	lockHolder := func(chat int64) (string, *txState) {
		if !s.rowLock {
			return "", nil
		}
		var names []string
		for name, t := range txs {
			if t.chat == chat {
				names = append(names, name)
			}
		}
		if len(names) == 0 {
			return "", nil
		}
		slices.Sort(names) // with the lock there is at most one
		return names[0], txs[names[0]]
	}
	for sc.Scan() {
		line++
		text := stripComment(strings.TrimSpace(sc.Text()))
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if !header {
			switch text {
			case scriptHeaderV1:
				s.version = 1
			case scriptHeaderV2:
				s.version, s.rowLock = 2, true
			default:
				return nil, errf("want the header %q (or %q), got %q", scriptHeaderV2, scriptHeaderV1, clipText(text))
			}
			header = true
			continue
		}
		f, err := fields(text)
		if err != nil {
			return nil, errf("%v", err)
		}
		op, args := f[0], f[1:]
		st := step{line: line, op: op, chat: chatID}
		need := func(n int, usage string) error {
			if len(args) != n {
				return errf("%s: want %q", op, op+" "+usage)
			}
			return nil
		}
		replica := func(a string) (int, error) {
			n, ok := strings.CutPrefix(a, "replica")
			i, err := decimal(n, s.replicas)
			if !ok || err != nil || i < 1 {
				return 0, errf("%s: unknown replica %q (want replica1..replica%d; declare more with 'replicas N' first)", op, a, s.replicas)
			}
			return i - 1, nil
		}
		idArg := func(a string) (int64, error) {
			n, err := decimal(a, MaxMessageID)
			id := int64(n)
			if err != nil || id < 1 {
				return 0, errf("%s: want a message ID, got %q", op, clipText(a))
			}
			if id > nextID {
				return 0, errf("%s: message #%d does not exist yet (rows and inserts so far made #1..#%d)", op, id, nextID)
			}
			if rows[id] == nil {
				return 0, errf("%s: message #%d was inserted after a write, promote or worker step started: its ID depends on the schedule, so the script cannot name it", op, id)
			}
			return id, nil
		}
		// committedArg is idArg for a row that must have committed.
		committedArg := func(a, why string) (int64, error) {
			id, err := idArg(a)
			if err != nil {
				return 0, err
			}
			switch r := rows[id]; {
			case r.rolled:
				return 0, errf("%s: message #%d was never committed (transaction %q rolled back): %s", op, id, r.tx, why)
			case !r.committed:
				return 0, errf("%s: message #%d is not committed (transaction %q is still open): %s", op, id, r.tx, why)
			case r.deleted:
				return 0, errf("%s: message #%d is deleted", op, id)
			}
			return id, nil
		}
		count := func(a string, min, max int) (int, error) {
			n, err := decimal(a, max)
			if err != nil || n < min {
				return 0, errf("%s: want a whole number from %d to %d, got %q", op, min, max, clipText(a))
			}
			return n, nil
		}
		// afterID reads the ID of after=ID.
		afterID := func(a string) (int64, bool) {
			v, ok := strings.CutPrefix(a, "after=")
			n, err := decimal(v, MaxMessageID)
			return int64(n), ok && err == nil
		}
		// chatOpt takes a trailing chat=C argument off args.
		chatOpt := func() error {
			if len(args) == 0 {
				return nil
			}
			a, ok := strings.CutPrefix(args[len(args)-1], "chat=")
			if !ok {
				return nil
			}
			c, err := decimal(a, MaxMessageID)
			n := int64(c)
			if err != nil {
				return errf("%s: want chat=ID with an ID from 1 to %d, got %q", op, MaxMessageID, clipText(args[len(args)-1]))
			}
			if _, ok := chatOf(n); !ok {
				return errf("%s: unknown chat %d (chat 1 always exists; declare more with 'chat N' first)", op, n)
			}
			st.chat, args = n, args[:len(args)-1]
			return nil
		}
		// bumpOpt takes a bump=off (or bump=on) argument off args.
		bumpOpt := func() error {
			for i, a := range args {
				v, ok := strings.CutPrefix(a, "bump=")
				if !ok {
					continue
				}
				switch v {
				case "off":
					st.noBump = true
				case "on":
				default:
					return errf("%s: want bump=off or bump=on, got %q", op, clipText(a))
				}
				args = slices.Delete(args, i, i+1)
				return nil
			}
			return nil
		}
		onOff := func(a string) (bool, error) {
			switch a {
			case "on":
				return true, nil
			case "off":
				return false, nil
			}
			return false, errf("%s: want on or off, got %q", op, a)
		}
		if slices.Contains(scriptSettings, op) && len(s.steps) > 0 {
			return nil, errf("%s: must come before the first step (line %d): it shapes the world the steps run in", op, s.steps[0].line)
		}
		switch op {
		case "name":
			if err := need(1, "NAME"); err != nil {
				return nil, err
			}
			if err := CheckName(args[0]); err != nil {
				return nil, errf("name: %v", err)
			}
			s.name, named = args[0], true
			continue
		case "doc":
			s.doc = strings.TrimSpace(strings.TrimPrefix(text, "doc"))
			continue
		case "small":
			if err := need(0, ""); err != nil {
				return nil, err
			}
			s.small = true
			continue
		case "replicas":
			if err := need(1, "N"); err != nil {
				return nil, err
			}
			if s.replicas, err = count(args[0], 1, MaxReplicas); err != nil {
				return nil, err
			}
			continue
		case "capacity":
			if err := need(1, "N"); err != nil {
				return nil, err
			}
			if s.capacity, err = count(args[0], 1, MaxCapacity); err != nil {
				return nil, err
			}
			continue
		case "row-lock":
			if err := need(1, "on|off"); err != nil {
				return nil, err
			}
			if s.rowLock, err = onOff(args[0]); err != nil {
				return nil, err
			}
			continue
		case "order-by":
			if err := need(1, "created-at|id"); err != nil {
				return nil, err
			}
			switch args[0] {
			case "created-at":
				s.orderByID = false
			case "id":
				s.orderByID = true
			default:
				return nil, errf("order-by: want created-at or id, got %q", args[0])
			}
			continue
		case "pubsub-queue", "notify-queue", "client-queue":
			if err := need(1, "N"); err != nil {
				return nil, err
			}
			n, err := count(args[0], 1, MaxCapacity)
			if err != nil {
				return nil, err
			}
			switch op {
			case "pubsub-queue":
				s.pubsubQueue = n
			case "notify-queue":
				s.notifyQueue = n
			default:
				s.clientQueue = n
			}
			continue
		case "broken-publisher":
			if err := need(0, ""); err != nil {
				return nil, err
			}
			s.brokenPublisher = true
			continue
		case "sync-failures":
			if len(args) == 2 && args[1] == "always" {
				s.syncFailuresAlways, args = true, args[:1]
			}
			if err := need(1, "N [always]"); err != nil {
				return nil, err
			}
			if s.syncFailures, err = count(args[0], 0, MaxSyncFailures); err != nil {
				return nil, err
			}
			continue
		case "created-at-ties":
			if err := need(1, "on|off"); err != nil {
				return nil, err
			}
			if s.createdAtTies, err = onOff(args[0]); err != nil {
				return nil, err
			}
			continue
		case "check-order":
			if err := need(1, "on|off"); err != nil {
				return nil, err
			}
			if s.checkOrder, err = onOff(args[0]); err != nil {
				return nil, err
			}
			continue
		case "polls":
			if err := need(1, "N"); err != nil {
				return nil, err
			}
			n, err := count(args[0], 0, MaxPolls)
			if err != nil {
				return nil, err
			}
			s.polls = n
			if n == 0 {
				s.polls = -1
			}
			continue
		case "chat":
			if err := need(1, "ID"); err != nil {
				return nil, err
			}
			n, err := count(args[0], 2, MaxMessageID)
			if err != nil {
				return nil, err
			}
			if _, dup := chatOf(int64(n)); dup {
				return nil, errf("chat: chat %d is declared already", n)
			}
			s.chats = append(s.chats, scriptChat{id: int64(n)})
			continue
		case "tool-calls":
			if err := chatOpt(); err != nil {
				return nil, err
			}
			if err := need(1, "N [chat=ID]"); err != nil {
				return nil, err
			}
			n, err := count(args[0], 1, MaxRows)
			if err != nil {
				return nil, err
			}
			for i := range s.chats {
				if s.chats[i].id == st.chat {
					s.chats[i].toolCalls = n
				}
			}
			continue
		case "rows":
			if err := chatOpt(); err != nil {
				return nil, err
			}
			if err := need(1, "N [chat=ID]"); err != nil {
				return nil, err
			}
			if seeded[st.chat] {
				return nil, errf("rows: chat %d has its rows already: give them on one line", st.chat)
			}
			seeded[st.chat] = true
			n, err := count(args[0], 0, MaxRows-int(nextID))
			if err != nil {
				return nil, err
			}
			s.seeds = append(s.seeds, scriptSeed{chat: st.chat, n: n})
			for i := 0; i < n; i++ {
				nextID++
				rows[nextID] = &rowState{chat: st.chat, committed: true}
			}
			continue
		case "expect":
			if err := need(2, "STRATEGY pass|fail"); err != nil {
				return nil, err
			}
			if _, ok := harness.StrategyByName(args[0]); !ok {
				return nil, errf("expect: unknown strategy %q (%s)", args[0], knownStrategies())
			}
			if args[1] != string(Pass) && args[1] != string(Fail) {
				return nil, errf("expect: want pass or fail, got %q", args[1])
			}
			s.expect[args[0]] = Verdict(args[1])
			continue
		case "cache", "append":
			if len(args) < 2 {
				return nil, errf("%s: want %q", op, op+" REPLICA ID...")
			}
			if st.rep, err = replica(args[0]); err != nil {
				return nil, err
			}
			for _, a := range args[1:] {
				one := st
				if s.brokenPublisher {
					one.id, err = idArg(a)
				} else {
					one.id, err = committedArg(a, "publishers append after the commit (§3); say 'broken-publisher' to model one that does not wait")
				}
				if err != nil {
					return nil, err
				}
				one.op = "append"
				one.chat = rows[one.id].chat
				s.steps = append(s.steps, one)
			}
			continue
		case "publish":
			if err := need(2, "REPLICA ID"); err != nil {
				return nil, err
			}
			if st.rep, err = replica(args[0]); err != nil {
				return nil, err
			}
			if s.brokenPublisher {
				st.id, err = idArg(args[1])
			} else {
				st.id, err = committedArg(args[1], "publishing happens after the commit (§3); say 'broken-publisher' to model a publisher that does not wait")
			}
			if err != nil {
				return nil, err
			}
			st.chat = rows[st.id].chat
		case "subscribe", "listen":
			if err := chatOpt(); err != nil {
				return nil, err
			}
			if err := need(3, "NAME REPLICA after=ID [chat=ID]"); err != nil {
				return nil, err
			}
			st.name = args[0]
			if _, dup := subs[st.name]; dup {
				return nil, errf("%s: subscriber %q already exists", op, st.name)
			}
			subs[st.name] = st.chat
			if st.rep, err = replica(args[1]); err != nil {
				return nil, err
			}
			n, ok := afterID(args[2])
			if !ok {
				return nil, errf("%s: want after=ID with an ID from 0 to %d, got %q", op, MaxMessageID, clipText(args[2]))
			}
			st.id = n
			if op == "listen" {
				listening[st.name] = line
				listenOrder = append(listenOrder, st.name)
			}
		case "snapshot":
			if err := need(1, "NAME"); err != nil {
				return nil, err
			}
			if _, ok := listening[args[0]]; !ok {
				return nil, errf("snapshot: no subscriber %q waits for its snapshot (start it with 'listen %s REPLICA after=ID')", args[0], args[0])
			}
			delete(listening, args[0])
			listenOrder = slices.DeleteFunc(listenOrder, func(n string) bool { return n == args[0] })
			st.name = args[0]
		case "drop":
			if err := need(1, "NAME"); err != nil {
				return nil, err
			}
			if _, ok := subs[args[0]]; !ok {
				return nil, errf("drop: no subscriber %q", args[0])
			}
			st.name = args[0]
		case "disconnect", "reconnect":
			if err := need(1, "NAME"); err != nil {
				return nil, err
			}
			name := args[0]
			if _, ok := subs[name]; !ok {
				return nil, errf("%s: no subscriber %q", op, name)
			}
			if _, ok := listening[name]; ok {
				return nil, errf("%s: subscriber %q waits for its snapshot (line %d): take it first ('snapshot %s')", op, name, listening[name], name)
			}
			_, gone := away[name]
			switch {
			case op == "disconnect" && gone:
				return nil, errf("disconnect: subscriber %q disconnected already (line %d)", name, away[name])
			case op == "reconnect" && !gone:
				return nil, errf("reconnect: subscriber %q is connected (disconnect it first)", name)
			case op == "disconnect":
				away[name] = line
			default:
				delete(away, name)
			}
			st.name = name
		case "listener-reconnect":
			if err := need(1, "REPLICA"); err != nil {
				return nil, err
			}
			if st.rep, err = replica(args[0]); err != nil {
				return nil, err
			}
		case "begin":
			if err := bumpOpt(); err != nil {
				return nil, err
			}
			if err := chatOpt(); err != nil {
				return nil, err
			}
			if err := need(1, "TX [bump=off] [chat=ID]"); err != nil {
				return nil, err
			}
			if txs[args[0]] != nil {
				return nil, errf("begin: transaction %q is already open", args[0])
			}
			if holder, t := lockHolder(st.chat); t != nil {
				return nil, errf("begin: transaction %q (line %d) is still open on chat %d and holds its row lock; with the lock on, %q would wait for it forever, and the script could not go on to end it: commit or roll back %q first, or say 'row-lock off' to model writers that skip the lock",
					holder, t.line, st.chat, args[0], holder)
			}
			txs[args[0]] = &txState{chat: st.chat, line: line}
			st.name = args[0]
		case "insert":
			if err := need(3, `TX ROLE "TEXT"`); err != nil {
				return nil, err
			}
			t := txs[args[0]]
			if t == nil {
				return nil, errf("insert: no open transaction %q (begin it first)", args[0])
			}
			role := harness.Role(args[1])
			if !slices.Contains([]harness.Role{harness.RoleUser, harness.RoleAssistant, harness.RoleTool, harness.RoleSystem}, role) {
				return nil, errf("insert: unknown role %q (want user, assistant, tool or system)", args[1])
			}
			st.name, st.role, st.text, st.chat = args[0], role, args[2], t.chat
			nextID++
			if idsKnown {
				rows[nextID] = &rowState{chat: t.chat, tx: args[0]}
				t.rows = append(t.rows, nextID)
			}
		case "delete":
			if err := need(2, "TX ID"); err != nil {
				return nil, err
			}
			t := txs[args[0]]
			if t == nil {
				return nil, errf("delete: no open transaction %q (begin it first)", args[0])
			}
			if st.id, err = committedArg(args[1], "only a committed row can be deleted"); err != nil {
				return nil, err
			}
			if c := rows[st.id].chat; c != t.chat {
				return nil, errf("delete: message #%d is in chat %d, transaction %q in chat %d", st.id, c, args[0], t.chat)
			}
			if slices.Contains(t.deletes, st.id) {
				return nil, errf("delete: transaction %q deletes message #%d already", args[0], st.id)
			}
			t.deletes = append(t.deletes, st.id)
			st.name, st.chat = args[0], t.chat
		case "commit", "rollback":
			if err := need(1, "TX"); err != nil {
				return nil, err
			}
			t := txs[args[0]]
			if t == nil {
				return nil, errf("%s: no open transaction %q", op, args[0])
			}
			for _, id := range t.rows {
				rows[id].committed, rows[id].rolled = op == "commit", op == "rollback"
			}
			if op == "commit" {
				for _, id := range t.deletes {
					rows[id].deleted = true
				}
			}
			delete(txs, args[0])
			st.name, st.chat = args[0], t.chat
		case "notify":
			if err := chatOpt(); err != nil {
				return nil, err
			}
			if len(args) != 1 {
				return nil, errf("notify: want \"notify after=ID|full-refresh|queue-update|status=STATUS [chat=ID]\"")
			}
			switch a := args[0]; {
			case a == "full-refresh":
				st.nt = harness.Notify{FullRefresh: true}
			case a == "queue-update":
				st.nt = harness.Notify{QueueUpdate: true}
			case strings.HasPrefix(a, "status="):
				status := harness.ChatStatus(strings.TrimPrefix(a, "status="))
				if !slices.Contains([]harness.ChatStatus{harness.StatusWaiting, harness.StatusPending, harness.StatusRunning, harness.StatusRequiresAction}, status) {
					return nil, errf("notify: unknown status %q (want waiting, pending, running or requires_action)", status)
				}
				st.nt = harness.Notify{Status: status}
			default:
				n, ok := afterID(a)
				if !ok {
					return nil, errf("notify: want after=ID with an ID from 0 to %d, full-refresh, queue-update or status=STATUS, got %q", MaxMessageID, clipText(args[0]))
				}
				st.nt = harness.Notify{AfterMessageID: n}
			}
		case "hint":
			if err := chatOpt(); err != nil {
				return nil, err
			}
			if err := need(0, "[chat=ID]"); err != nil {
				return nil, err
			}
		case "edit", "remove":
			usage := `REPLICA ID "TEXT"`
			if op == "remove" {
				usage = "REPLICA ID"
			}
			if err := need(strings.Count(usage, " ")+1, usage); err != nil {
				return nil, err
			}
			if st.rep, err = replica(args[0]); err != nil {
				return nil, err
			}
			if st.id, err = committedArg(args[1], "only a committed row can be "+map[string]string{"edit": "edited", "remove": "deleted"}[op]); err != nil {
				return nil, err
			}
			st.chat = rows[st.id].chat
			if op == "edit" {
				st.text = args[2]
			} else {
				rows[st.id].deleted = true
			}
			if holder, t := lockHolder(st.chat); t != nil {
				return nil, errf("%s: transaction %q (line %d) is still open on chat %d and holds its row lock; the %s would wait for it forever, and the script could not go on to end it: commit or roll back %q first, or say 'row-lock off'",
					op, holder, t.line, st.chat, op, holder)
			}
		case "write", "promote":
			usage := "REPLICA [chat=ID]"
			if op == "write" {
				usage = "REPLICA [bump=off] [chat=ID]"
				if err := bumpOpt(); err != nil {
					return nil, err
				}
			}
			if err := chatOpt(); err != nil {
				return nil, err
			}
			if err := need(1, usage); err != nil {
				return nil, err
			}
			if st.rep, err = replica(args[0]); err != nil {
				return nil, err
			}
			if op == "promote" {
				if c, _ := chatOf(st.chat); c.toolCalls == 0 {
					return nil, errf("promote: chat %d does not wait on tool calls (declare 'tool-calls N%s' first)", st.chat, chatSuffix(st.chat))
				}
				if promoted[st.chat] {
					return nil, errf("promote: chat %d has one queued message, promoted already", st.chat)
				}
				promoted[st.chat] = true
			}
			idsKnown = false
		case "worker":
			if err := chatOpt(); err != nil {
				return nil, err
			}
			if len(args) == 2 {
				a, ok := strings.CutPrefix(args[1], "ticks=")
				if st.n, err = count(a, 0, MaxRows); !ok || err != nil {
					return nil, errf("worker: want ticks=N, got %q", args[1])
				}
				args = args[:1]
			}
			if err := need(1, "REPLICA [ticks=N] [chat=ID]"); err != nil {
				return nil, err
			}
			if st.rep, err = replica(args[0]); err != nil {
				return nil, err
			}
			idsKnown = false
		case "settle":
			if err := need(0, ""); err != nil {
				return nil, err
			}
		case "sleep":
			if err := need(1, "DURATION"); err != nil {
				return nil, err
			}
			d, err := time.ParseDuration(args[0])
			if err != nil || d <= 0 || d > MaxSleep {
				return nil, errf("sleep: want a duration from 1ns to %v (as 10s or 1m30s), got %q", MaxSleep, args[0])
			}
			st.d = d
		default:
			return nil, errf("unknown command %q (want one of: %s)", op, strings.Join(scriptOps, ", "))
		}
		s.steps = append(s.steps, st)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if !header {
		return nil, fmt.Errorf("%s: empty scenario file: want the header %q", file, scriptHeaderV2)
	}
	if len(subs) == 0 {
		return nil, fmt.Errorf("%s: no subscriber: a scenario needs at least one 'subscribe' line", file)
	}
	if len(listenOrder) > 0 {
		return nil, fmt.Errorf("%s:%d: listen: subscriber %q never takes its snapshot (add 'snapshot %s')", file, listening[listenOrder[0]], listenOrder[0], listenOrder[0])
	}
	if err := CheckName(s.name); !named && err != nil {
		return nil, fmt.Errorf("%s: the file name does not make a scenario name (%v): add a 'name' line", file, err)
	}
	if inTestdata(file) {
		var missing []string
		for _, name := range StrategyNames() {
			if _, ok := s.expect[name]; !ok {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			return nil, fmt.Errorf("%s: no expect line for %s: a scenario file under testdata names the verdict of every strategy", file, strings.Join(missing, ", "))
		}
	}
	return s, nil
}

// inTestdata reports whether a file is in a testdata directory: the
// repository's own scenarios, which must name every verdict.
func inTestdata(file string) bool {
	return slices.Contains(strings.Split(filepath.ToSlash(filepath.Dir(file)), "/"), "testdata")
}

func chatSuffix(chat int64) string {
	if chat == chatID {
		return ""
	}
	return fmt.Sprintf(" chat=%d", chat)
}

// stripComment removes a "#" comment that starts the line or follows a
// space outside quoted text.
func stripComment(text string) string {
	quoted, escaped := false, false
	for i, r := range text {
		switch {
		case escaped:
			escaped = false
		case quoted && r == '\\':
			escaped = true
		case r == '"':
			quoted = !quoted
		case r == '#' && !quoted && (i == 0 || text[i-1] == ' ' || text[i-1] == '\t'):
			return strings.TrimSpace(text[:i])
		}
	}
	return text
}

// fields splits a line into words, keeping "quoted text" (with Go escapes)
// as one.
func fields(text string) ([]string, error) {
	var out []string
	for text = strings.TrimSpace(text); text != ""; text = strings.TrimSpace(text) {
		if text[0] == '"' {
			q, err := strconv.QuotedPrefix(text)
			if err != nil {
				return nil, fmt.Errorf("unterminated or malformed quoted text %s", clipText(text))
			}
			u, _ := strconv.Unquote(q)
			out = append(out, u)
			text = text[len(q):]
			continue
		}
		end := strings.IndexAny(text, " \t")
		if end < 0 {
			end = len(text)
		}
		out = append(out, text[:end])
		text = text[end:]
	}
	return out, nil
}

func clipText(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// decimal reads a number written the one way the format allows: plain
// decimal digits without a sign or a leading zero ("0" itself excepted), at
// most max.
func decimal(a string, max int) (int, error) {
	bad := fmt.Errorf("want a whole number from 0 to %d", max)
	if a == "" || len(a) > len(strconv.Itoa(max)) || (a[0] == '0' && len(a) > 1) {
		return 0, bad
	}
	for _, c := range []byte(a) {
		if c < '0' || c > '9' {
			return 0, bad
		}
	}
	n, err := strconv.Atoi(a)
	if err != nil || n > max {
		return 0, bad
	}
	return n, nil
}
