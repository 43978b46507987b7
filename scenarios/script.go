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

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/sched"
)

// scriptHeader is the first line of every scenario file.
const scriptHeader = "interleave-scenario v1"

// A script is a scenario written as text (see testdata/scenarios/README.md):
// setup lines, then steps run in order by the main task, while the
// subscribers' listeners and merges run as tasks the search interleaves.
type script struct {
	name, doc string
	small     bool
	replicas  int
	capacity  int
	rows      int
	steps     []step
	expect    map[string]Verdict
}

type step struct {
	line int
	op   string
	name string // tx or subscriber name
	rep  int    // replica index
	id   int64
	role harness.Role
	text string
	n    harness.Notify
}

var scriptOps = []string{"name", "doc", "small", "replicas", "capacity", "rows", "cache", "subscribe", "begin", "insert", "commit", "rollback", "append", "publish", "notify", "edit", "settle", "expect"}

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

// ParseScript parses a scenario file; errors name the file, the line and
// what was expected. The file and its numbers are bounded (MaxScriptBytes,
// MaxRows, MaxReplicas, MaxCapacity, MaxMessageID).
func ParseScript(r io.Reader, file string) (*Scenario, error) {
	s := &script{replicas: 1, expect: map[string]Verdict{}}
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
	rowsGiven := false
	nextID := int64(0)
	known := map[int64]bool{} // IDs inserted so far (lookup only)
	txs := map[string]bool{}  // open transactions (lookup only)
	subs := map[string]bool{} // subscriber names (lookup only)
	errf := func(format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, args...))
	}
	for sc.Scan() {
		line++
		text := stripComment(strings.TrimSpace(sc.Text()))
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		if !header {
			if text != scriptHeader {
				return nil, errf("want the header %q, got %q", scriptHeader, clipText(text))
			}
			header = true
			continue
		}
		f, err := fields(text)
		if err != nil {
			return nil, errf("%v", err)
		}
		op, args := f[0], f[1:]
		st := step{line: line, op: op}
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
			if !known[id] {
				return 0, errf("%s: message #%d does not exist yet (rows and inserts so far made #1..#%d)", op, id, nextID)
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
		case "rows":
			if err := need(1, "N"); err != nil {
				return nil, err
			}
			if len(s.steps) > 0 || rowsGiven {
				return nil, errf("rows: must come once, before any step")
			}
			rowsGiven = true
			if s.rows, err = count(args[0], 0, MaxRows); err != nil {
				return nil, err
			}
			for i := 0; i < s.rows; i++ {
				nextID++
				known[nextID] = true
			}
			continue
		case "expect":
			if err := need(2, "STRATEGY pass|fail"); err != nil {
				return nil, err
			}
			if _, ok := harness.StrategyByName(args[0]); !ok {
				return nil, errf("expect: unknown strategy %q (known: %s)", args[0], strings.Join(StrategyNames(), ", "))
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
				if one.id, err = idArg(a); err != nil {
					return nil, err
				}
				one.op = "append"
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
			if st.id, err = idArg(args[1]); err != nil {
				return nil, err
			}
		case "subscribe":
			if err := need(3, "NAME REPLICA after=ID"); err != nil {
				return nil, err
			}
			st.name = args[0]
			if subs[st.name] {
				return nil, errf("subscribe: subscriber %q already exists", st.name)
			}
			subs[st.name] = true
			if st.rep, err = replica(args[1]); err != nil {
				return nil, err
			}
			n, ok := afterID(args[2])
			if !ok {
				return nil, errf("subscribe: want after=ID with an ID from 0 to %d, got %q", MaxMessageID, clipText(args[2]))
			}
			st.id = n
		case "begin":
			if err := need(1, "TX"); err != nil {
				return nil, err
			}
			if txs[args[0]] {
				return nil, errf("begin: transaction %q is already open", args[0])
			}
			txs[args[0]] = true
			st.name = args[0]
		case "insert":
			if err := need(3, `TX ROLE "TEXT"`); err != nil {
				return nil, err
			}
			if !txs[args[0]] {
				return nil, errf("insert: no open transaction %q (begin it first)", args[0])
			}
			role := harness.Role(args[1])
			if !slices.Contains([]harness.Role{harness.RoleUser, harness.RoleAssistant, harness.RoleTool, harness.RoleSystem}, role) {
				return nil, errf("insert: unknown role %q (want user, assistant, tool or system)", args[1])
			}
			st.name, st.role, st.text = args[0], role, args[2]
			nextID++
			known[nextID] = true
		case "commit", "rollback":
			if err := need(1, "TX"); err != nil {
				return nil, err
			}
			if !txs[args[0]] {
				return nil, errf("%s: no open transaction %q", op, args[0])
			}
			delete(txs, args[0])
			st.name = args[0]
		case "notify":
			if len(args) != 1 {
				return nil, errf("notify: want \"notify after=ID\" or \"notify full-refresh\"")
			}
			if args[0] == "full-refresh" {
				st.n = harness.Notify{FullRefresh: true}
			} else {
				n, ok := afterID(args[0])
				if !ok {
					return nil, errf("notify: want after=ID with an ID from 0 to %d, or full-refresh, got %q", MaxMessageID, clipText(args[0]))
				}
				st.n = harness.Notify{AfterMessageID: n}
			}
		case "edit":
			if err := need(3, `REPLICA ID "TEXT"`); err != nil {
				return nil, err
			}
			if st.rep, err = replica(args[0]); err != nil {
				return nil, err
			}
			if st.id, err = idArg(args[1]); err != nil {
				return nil, err
			}
			st.text = args[2]
		case "settle":
			if err := need(0, ""); err != nil {
				return nil, err
			}
		default:
			return nil, errf("unknown command %q (want one of: %s)", op, strings.Join(scriptOps, ", "))
		}
		s.steps = append(s.steps, st)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if !header {
		return nil, fmt.Errorf("%s: empty scenario file: want the header %q", file, scriptHeader)
	}
	if len(subs) == 0 {
		return nil, fmt.Errorf("%s: no subscriber: a scenario needs at least one 'subscribe' line", file)
	}
	if err := CheckName(s.name); !named && err != nil {
		return nil, fmt.Errorf("%s: the file name does not make a scenario name (%v): add a 'name' line", file, err)
	}
	return &Scenario{Name: s.name, Doc: s.doc, Small: s.small, Source: file, Expect: s.expect,
		Build: func(Gen) harness.Workload { return s.workload() }}, nil
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

// txTask is an open transaction of a script: a task inside InTx that runs
// the commands the main task sends it, one at a time.
type txTask struct {
	cmds *sched.Queue[step]
	acks *sched.Queue[error]
}

func (s *script) workload() harness.Workload {
	return harness.Workload{
		Name:   s.name,
		Config: harness.WorldConfig{Replicas: s.replicas, Config: harness.Config{CacheCapacity: s.capacity}},
		Setup: func(w *harness.World, strategy harness.MergeStrategy) {
			w.Seeder.CreateChat(harness.Chat{ID: chatID, Status: harness.StatusWaiting})
			msgs := map[int64]harness.Message{} // lookup only
			for i := 0; i < s.rows; i++ {
				m := w.Seeder.Seed(chatID, harness.RoleUser, fmt.Sprintf("row %d", i+1))
				msgs[m.ID] = m
			}
			open := map[string]*txTask{} // lookup only
			var order []string           // open transactions, in begin order
			for _, st := range s.steps {
				switch st.op {
				case "append":
					w.Replicas[st.rep].AppendDurable(chatID, msgs[st.id])
				case "publish":
					w.Replicas[st.rep].PublishMessage(chatID, msgs[st.id])
				case "subscribe":
					sub, err := w.Replicas[st.rep].SubscribeAuthorized(st.name, chatID, st.id, strategy)
					if err != nil {
						panic(err)
					}
					w.AddSubscriber(sub)
				case "begin":
					t := &txTask{cmds: sched.NewQueue[step](w.RT, "tx "+st.name, 1), acks: sched.NewQueue[error](w.RT, "tx "+st.name+" ack", 1)}
					open[st.name] = t
					order = append(order, st.name)
					w.Writer("tx "+st.name, func() { t.run(w, msgs) })
				case "insert", "commit", "rollback":
					t := open[st.name]
					t.cmds.Send(st)
					if err, _ := t.acks.Recv(); err != nil {
						panic(err)
					}
					if st.op != "insert" {
						delete(open, st.name)
						order = slices.DeleteFunc(order, func(n string) bool { return n == st.name })
					}
				case "notify":
					w.PubSub.Publish(harness.ChatChannel(chatID), st.n)
				case "edit":
					if err := w.Replicas[st.rep].EditMessage(chatID, st.id, st.text); err != nil {
						panic(err)
					}
				case "settle":
					w.RT.WaitIdle()
				}
			}
			for _, name := range order { // what the script left open rolls back
				t := open[name]
				t.cmds.Send(step{op: "rollback"})
				t.acks.Recv()
			}
		},
	}
}

var errRollback = fmt.Errorf("rollback")

func (t *txTask) run(w *harness.World, msgs map[int64]harness.Message) {
	err := w.Store.InTx(func(tx harness.Tx) error {
		for {
			st, _ := t.cmds.Recv()
			switch st.op {
			case "insert":
				m, err := tx.InsertMessage(chatID, st.role, st.text)
				msgs[m.ID] = m
				t.acks.Send(err)
			case "commit":
				return nil
			default:
				return errRollback
			}
		}
	})
	if err == errRollback {
		err = nil
	}
	t.acks.Send(err)
}
