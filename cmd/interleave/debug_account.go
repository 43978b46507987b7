package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/interleave/interleave/internal/dlv"
)

// A dbgPoint is one breakpoint: a function, the values read at each hit
// (the step and the task first) and how a hit reads in the account.
type dbgPoint struct {
	function string
	label    string
	vars     []dbgVar
}

// dbgVar is an expression evaluated at a hit and the field it fills.
type dbgVar struct{ field, expr string }

const (
	dbgHarness = modulePath + "/harness."
	// The markers delimit the schedule's own run among the runs the test
	// makes (PCT's calibration, DFS's earlier schedules, the traced rerun
	// of a failure): scenarios.runWith starts the run of a spec, sched.Run
	// starts (and so ends the previous) run of the scheduler.
	dbgMarkSchedule = "schedule"
	dbgMarkRun      = "run"
)

// dbgRTVars are the step and the running task, read from a *sched.Runtime.
func dbgRTVars(rt string) []dbgVar {
	return []dbgVar{{"step", rt + ".step"}, {"task", rt + ".cur.name"}}
}

// dbgLoopVars are the step, the task and the subscriber of a stream
// loop's hook.
func dbgLoopVars() []dbgVar {
	return append(dbgRTVars("l.s.rt"), dbgVar{"subscriber", "l.s.Name"})
}

func dbgMergeVars(extra ...dbgVar) []dbgVar {
	return append(append(dbgRTVars("c.sub.rt"), dbgVar{"subscriber", "c.sub.Name"}), extra...)
}

var dbgPoints = map[string]dbgPoint{
	"cacheAppend": {
		function: dbgHarness + "(*Replica).cacheAppended", label: "cache append",
		vars: append(dbgRTVars("r.rt"), dbgVar{"replica", "r.Name"}, dbgVar{"message_id", "m.ID"},
			dbgVar{"cache", "cached"}, dbgVar{"cache_len", "len(cached)"}, dbgVar{"evicted_before", "evictedBefore"}),
	},
	"naiveCatchUp": {
		function: dbgHarness + "Naive.HandleNotify", label: "naive catch-up",
		vars: dbgMergeVars(dbgVar{"notify_after", "n.AfterMessageID"}, dbgVar{"full_refresh", "n.FullRefresh"},
			dbgVar{"last_message_id", "c.last"}),
	},
	"naiveDB": {
		function: dbgHarness + "naiveFromDB", label: "naive db query",
		vars: dbgMergeVars(dbgVar{"last_message_id", "c.last"}),
	},
	"fixedCatchUp": {
		function: dbgHarness + "Fixed.HandleNotify", label: "fixed catch-up",
		vars: dbgMergeVars(dbgVar{"notify_after", "n.AfterMessageID"}, dbgVar{"full_refresh", "n.FullRefresh"},
			dbgVar{"last_message_id", "c.last"}, dbgVar{"floor", "c.AfterMessageID"}),
	},
	"fixedR1CatchUp": {
		function: dbgHarness + "FixedR1.HandleNotify", label: "fixed-r1 catch-up",
		vars: dbgMergeVars(dbgVar{"notify_after", "n.AfterMessageID"}, dbgVar{"full_refresh", "n.FullRefresh"},
			dbgVar{"last_message_id", "c.last"}, dbgVar{"floor", "c.AfterMessageID"}),
	},
	"cachePass": {
		function: dbgHarness + "cachePass", label: "cache pass",
		vars: dbgMergeVars(dbgVar{"lookup_after", "lookupAfter"}, dbgVar{"last_message_id", "c.last"}),
	},
	"dbPass": {
		function: dbgHarness + "dbPass", label: "db pass",
		vars: dbgMergeVars(dbgVar{"lookup_after", "lookupAfter"}, dbgVar{"last_message_id", "c.last"}),
	},
	// The stream loop's hooks (harness/streamloop.go): what a hint or a
	// poll decided, a sync's read, a row skipped, a row sent.
	"loopDecide": {
		function: dbgHarness + "(*streamLoop).decided", label: "loop: should fetch",
		vars: append(dbgLoopVars(), dbgVar{"from", "from"}, dbgVar{"snapshot", "v.Snapshot"}, dbgVar{"history", "v.History"},
			dbgVar{"fetch", "fetch"}, dbgVar{"seen_snapshot", "l.seen.Snapshot"}, dbgVar{"seen_history", "l.seen.History"}),
	},
	"loopSync": {
		function: dbgHarness + "(*streamLoop).synced", label: "loop: sync",
		vars: append(dbgLoopVars(), dbgVar{"sync", "n"}, dbgVar{"why", "why"}, dbgVar{"after_revision", "l.seen.History"},
			dbgVar{"history", "chat.History"}, dbgVar{"rows", "len(rows)"}, dbgVar{"initial", "!l.initialDone"}),
	},
	"loopSkip": {
		function: dbgHarness + "(*streamLoop).skipped", label: "loop: skip",
		vars: append(dbgLoopVars(), dbgVar{"message_id", "m.ID"}, dbgVar{"revision", "m.Revision"}, dbgVar{"known", "known"},
			dbgVar{"after_message_id", "l.afterMessageID"}),
	},
	"loopSend": {
		function: dbgHarness + "(*streamLoop).sending", label: "loop: send",
		vars: append(dbgLoopVars(), dbgVar{"message_id", "m.ID"}, dbgVar{"revision", "m.Revision"}),
	},
	"deliver": {
		function: dbgHarness + "(*Subscriber).deliver", label: "deliver",
		vars: append(dbgRTVars("s.rt"), dbgVar{"subscriber", "s.Name"}, dbgVar{"message_id", "m.ID"}, dbgVar{"via", "via"},
			dbgVar{"last_message_id", "s.ctx.last"}, dbgVar{"delivered", "len(s.ctx.delivered)"}),
	},
	dbgMarkSchedule: {
		function: modulePath + "/scenarios.runWith", label: "schedule",
		vars: []dbgVar{{"traced", "sp.Trace"}},
	},
	dbgMarkRun: {function: modulePath + "/sched.Run", label: "run"},
}

// dbgPointNames lists the breakpoints set for a strategy: the cache
// append, the strategy's merge functions, the delivery, then the markers
// (interactive sessions get only the schedule marker).
func dbgPointNames(strategy string, interactive bool) []string {
	names := []string{"cacheAppend"}
	switch strategy {
	case "stream-loop": // no cache: its hooks instead
		names = []string{"loopDecide", "loopSync", "loopSkip", "loopSend"}
	case "naive", "producer-lock": // ProducerLock embeds Naive: its HandleNotify is Naive's
		names = append(names, "naiveCatchUp", "naiveDB")
	case "fixed":
		names = append(names, "fixedCatchUp", "cachePass", "dbPass")
	case "fixed-r1":
		names = append(names, "fixedR1CatchUp", "cachePass", "dbPass")
	}
	names = append(names, "deliver", dbgMarkSchedule)
	if !interactive {
		names = append(names, dbgMarkRun)
	}
	return names
}

func dbgBreakpoints(strategy string, interactive bool) []dlv.Breakpoint {
	var bps []dlv.Breakpoint
	for _, name := range dbgPointNames(strategy, interactive) {
		p := dbgPoints[name]
		bp := dlv.Breakpoint{Function: p.function, Name: name}
		for _, v := range p.vars {
			bp.Vars = append(bp.Vars, v.expr)
		}
		bps = append(bps, bp)
	}
	return bps
}

// dbgHit is one breakpoint hit of the schedule, as data.
type dbgHit struct {
	// Seq numbers the schedule's hits from 1.
	Seq         int    `json:"seq"`
	Step        int    `json:"step"`
	GoroutineID int64  `json:"goroutine_id"`
	Task        string `json:"task"`
	Breakpoint  string `json:"breakpoint"`
	Function    string `json:"function"`
	File        string `json:"file"`
	Line        int    `json:"line"`
	// Event and Detail are the hit's line in the account.
	Event  string `json:"event"`
	Detail string `json:"detail"`
	// Fields are the evaluated values by name (numbers as numbers, the
	// cache as its IDs); Vars are the raw expressions and values.
	Fields map[string]any `json:"fields"`
	Vars   []dlv.Var      `json:"vars"`
}

// dbgVerdict is the oracle's verdict, from the test binary's output.
type dbgVerdict struct {
	// Verdict is pass or fail (the oracle's, or a model failure's), or
	// died: the program ended without the schedule's verdict (a crash, a
	// kill, a test that failed without the report), as Died says.
	Verdict string `json:"verdict"`
	Died    string `json:"died,omitempty"`
	// Summary is the failure's summary line; Violations the oracle's
	// "=>" lines; Repro the go test line that reproduces it.
	Summary    string   `json:"summary,omitempty"`
	Violations []string `json:"violations,omitempty"`
	Repro      string   `json:"repro,omitempty"`
	// TraceHash is the failing run's trace hash, from its report.
	TraceHash string `json:"trace_hash,omitempty"`
	// ExitStatus is the program's; -N when signal N killed it.
	ExitStatus int `json:"exit_status"`
	// Output is the end of the test binary's output when it ended
	// without a verdict.
	Output string `json:"output,omitempty"`
}

// dbgJSON is the --trace --json output.
type dbgJSON struct {
	Scenario    string `json:"scenario"`
	Strategy    string `json:"strategy"`
	Search      string `json:"search"`
	Depth       int    `json:"depth"`
	Preemptions int    `json:"preemptions"`
	Seed        int64  `json:"seed"`
	// Schedule is the schedule file of --schedule.
	Schedule    string           `json:"schedule,omitempty"`
	Args        []string         `json:"args"`
	Breakpoints []dlv.Breakpoint `json:"breakpoints"`
	Hits        []dbgHit         `json:"hits"`
	// SkippedHits counts the hits of the other runs of the workload.
	SkippedHits int        `json:"skipped_hits"`
	Verdict     dbgVerdict `json:"verdict"`
}

// dbgAccount turns the debugger's hits into the schedule's account: it
// keeps the hits of the schedule's own run and annotates what is out of
// order.
type dbgAccount struct {
	armed, in, done bool
	hits            []dbgHit
	skipped         int
	maxAppended     map[string]int64 // by replica
	maxDelivered    map[string]int64 // by subscriber, this epoch
}

// add records h if it belongs to the schedule's run and returns it.
func (a *dbgAccount) add(h dlv.Hit) (dbgHit, bool) {
	switch h.Name {
	case dbgMarkSchedule:
		if !a.in && !a.done {
			a.armed = true
		}
		return dbgHit{}, false
	case dbgMarkRun:
		switch {
		case a.in:
			a.in, a.done = false, true
		case a.armed:
			a.armed, a.in = false, true
		}
		return dbgHit{}, false
	}
	p, known := dbgPoints[h.Name]
	if known && !a.in {
		a.skipped++
		return dbgHit{}, false
	}
	out := dbgHit{Seq: len(a.hits) + 1, GoroutineID: h.GoroutineID, Breakpoint: h.Name, Function: h.Function,
		File: h.File, Line: h.Line, Event: p.label, Fields: map[string]any{}, Vars: h.Vars}
	if !known {
		// One of Delve's own stops (an unrecovered panic, a fatal throw).
		out.Event = h.Name
		out.Detail = h.Function
	} else {
		a.describe(&out, p, h)
	}
	a.hits = append(a.hits, out)
	return out, true
}

func (a *dbgAccount) describe(out *dbgHit, p dbgPoint, h dlv.Hit) {
	raw := map[string]string{}
	for i, v := range p.vars {
		if i < len(h.Vars) {
			raw[v.field] = h.Vars[i].Value
		}
	}
	str := func(f string) string {
		v := raw[f]
		if s, err := strconv.Unquote(v); err == nil {
			return s
		}
		return v
	}
	num := func(f string) (int64, bool) {
		n, err := strconv.ParseInt(raw[f], 10, 64)
		return n, err == nil
	}
	// show renders a number field, or its raw value when it is not one
	// (an evaluation error).
	show := func(f string) string {
		if n, ok := num(f); ok {
			return strconv.FormatInt(n, 10)
		}
		return raw[f]
	}
	for _, v := range p.vars {
		switch v.field {
		case "task", "subscriber", "replica", "via", "from", "why":
			out.Fields[v.field] = str(v.field)
		case "full_refresh", "fetch", "initial":
			out.Fields[v.field] = raw[v.field] == "true"
		case "cache":
			if ids, ok := dbgCacheIDs(raw["cache"]); ok {
				out.Fields["cache_ids"] = ids
			} else {
				out.Fields["cache"] = raw["cache"]
			}
		default:
			if n, ok := num(v.field); ok {
				out.Fields[v.field] = n
			} else {
				out.Fields[v.field] = raw[v.field]
			}
		}
	}
	if n, ok := num("step"); ok {
		out.Step = int(n)
	}
	out.Task = str("task")
	if a.maxAppended == nil {
		a.maxAppended, a.maxDelivered = map[string]int64{}, map[string]int64{}
	}

	var d strings.Builder
	switch h.Name {
	case "cacheAppend":
		cache := raw["cache"]
		if ids, ok := dbgCacheIDs(cache); ok {
			cache = fmt.Sprint(ids)
			if n, ok := num("cache_len"); ok && int(n) > len(ids) {
				cache = strings.TrimSuffix(cache, "]") + fmt.Sprintf(" ...+%d]", int(n)-len(ids))
			}
		}
		fmt.Fprintf(&d, "#%s -> %s cache %s evictedBefore=%s", show("message_id"), str("replica"), cache, show("evicted_before"))
		if id, ok := num("message_id"); ok {
			r := str("replica")
			if top, seen := a.maxAppended[r]; seen && id < top {
				fmt.Fprintf(&d, "   <- appended after #%d", top)
				out.Fields["appended_after"] = top
			} else {
				a.maxAppended[r] = id
			}
		}
	case "naiveCatchUp", "fixedCatchUp", "fixedR1CatchUp":
		if raw["full_refresh"] == "true" {
			d.WriteString("FullRefresh ")
			delete(a.maxDelivered, str("subscriber"))
		} else {
			fmt.Fprintf(&d, "notify.After=%s ", show("notify_after"))
		}
		fmt.Fprintf(&d, "lastMessageID=%s", show("last_message_id"))
		if _, ok := raw["floor"]; ok {
			fmt.Fprintf(&d, " c.AfterMessageID=%s", show("floor"))
		}
	case "loopDecide":
		verdict := "skip"
		if raw["fetch"] == "true" {
			verdict = "sync"
		}
		fmt.Fprintf(&d, "%s {snapshot %s, history %s} seen {snapshot %s, history %s}: %s", str("from"), show("snapshot"), show("history"),
			show("seen_snapshot"), show("seen_history"), verdict)
	case "loopSync":
		fmt.Fprintf(&d, "sync %s (%s): revision > %s, %s rows, history -> %s", show("sync"), str("why"), show("after_revision"), show("rows"), show("history"))
		if raw["initial"] == "true" {
			d.WriteString(" (initial)")
		}
	case "loopSkip":
		if k, ok := num("known"); ok && k == 0 {
			fmt.Fprintf(&d, "#%s@%s: at or below afterMessageID %s (initial sync)", show("message_id"), show("revision"), show("after_message_id"))
		} else {
			fmt.Fprintf(&d, "#%s@%s: known at revision %s", show("message_id"), show("revision"), show("known"))
		}
	case "loopSend":
		fmt.Fprintf(&d, "#%s@%s", show("message_id"), show("revision"))
	case "naiveDB":
		fmt.Fprintf(&d, "after lastMessageID=%s", show("last_message_id"))
	case "cachePass", "dbPass":
		fmt.Fprintf(&d, "lookupAfter=%s lastMessageID=%s", show("lookup_after"), show("last_message_id"))
	case "deliver":
		fmt.Fprintf(&d, "#%s via %s  lastMessageID=%s delivered=%s", show("message_id"), str("via"), show("last_message_id"), show("delivered"))
		if id, ok := num("message_id"); ok {
			s := str("subscriber")
			if top, seen := a.maxDelivered[s]; seen && id < top {
				fmt.Fprintf(&d, "   <- late: after #%d", top)
				out.Fields["late_after"] = top
			} else {
				a.maxDelivered[s] = id
			}
		}
	}
	out.Detail = d.String()
}

// dbgCacheIDs reads the message IDs out of a rendered []harness.Message,
// [{ID:3 ChatID:1 Role:"tool" Content:"..." CreatedAt:3} ...]: the ID field
// of each element, skipping over quoted strings.
func dbgCacheIDs(v string) ([]int64, bool) {
	if !strings.HasPrefix(v, "[") || !strings.HasSuffix(v, "]") {
		return nil, false
	}
	ids := []int64{}
	depth := 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			// strconv.Quote's form: skip to the closing quote.
			for i++; i < len(v) && v[i] != '"'; i++ {
				if v[i] == '\\' {
					i++
				}
			}
		case '[', '{':
			depth++
			if v[i] == '{' && depth == 2 {
				m := dbgMessageID.FindStringSubmatch(v[i:])
				if m == nil {
					return nil, false
				}
				n, err := strconv.ParseInt(m[1], 10, 64)
				if err != nil {
					return nil, false
				}
				ids = append(ids, n)
			}
		case ']', '}':
			depth--
		}
	}
	return ids, depth == 0
}

var dbgMessageID = regexp.MustCompile(`^\{ID:(-?\d+)[ }]`)

// line renders a hit as one line of the account.
func (h dbgHit) line() string {
	task := h.Task
	if task == "" {
		task = "?"
	}
	return fmt.Sprintf("#%-3d step %-4d g%-4d %-16s %-18s %s", h.Seq, h.Step, h.GoroutineID, task, h.Event, h.Detail)
}
