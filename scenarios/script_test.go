package scenarios_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/interleave/interleave/scenarios"
)

// TestScriptRejectsWhatTheModelCannotRun: a file the parser accepts must
// run. Each of these parsed before and then made the model panic or hang
// (a replica that was taken away, a row edited or published before its
// commit, a transaction waiting forever on the chat-row lock the script
// itself holds, ...): they are parse errors now, with the file, the line and
// why.
func TestScriptRejectsWhatTheModelCannotRun(t *testing.T) {
	const v1, v2 = "interleave-scenario v1\n", "interleave-scenario v2\n"
	for _, c := range []struct{ name, in, want string }{
		{"replicas lowered after use", v1 + "replicas 2\nsubscribe s replica2 after=0\nreplicas 1\n",
			`x.scenario:4: replicas: must come before the first step (line 3): it shapes the world the steps run in`},
		{"a setting after a step", v2 + "rows 2\nsubscribe s replica1 after=0\nrow-lock off\n",
			`x.scenario:4: row-lock: must come before the first step (line 3): it shapes the world the steps run in`},
		{"edit of an uncommitted row", v1 + "rows 2\nsubscribe s replica1 after=0\nbegin a\ninsert a user \"x\"\nedit replica1 3 \"y\"\n",
			`x.scenario:6: edit: message #3 is not committed (transaction "a" is still open): only a committed row can be edited`},
		{"edit of a rolled-back row", v1 + "rows 2\nsubscribe s replica1 after=0\nbegin a\ninsert a user \"x\"\nrollback a\nedit replica1 3 \"y\"\n",
			`x.scenario:7: edit: message #3 was never committed (transaction "a" rolled back): only a committed row can be edited`},
		{"append of an uncommitted row", v1 + "rows 2\nsubscribe s replica1 after=0\nbegin a\ninsert a user \"x\"\nappend replica1 3\n",
			`x.scenario:6: append: message #3 is not committed (transaction "a" is still open): publishers append after the commit (§3); say 'broken-publisher' to model one that does not wait`},
		{"publish of an uncommitted row", v2 + "rows 2\nsubscribe s replica1 after=0\nbegin a\ninsert a user \"x\"\npublish replica1 3\n",
			`x.scenario:6: publish: message #3 is not committed (transaction "a" is still open): publishing happens after the commit (§3); say 'broken-publisher' to model a publisher that does not wait`},
		{"a second transaction on a locked chat (v2)", v2 + "rows 2\nsubscribe s replica1 after=0\nbegin a\ninsert a user \"x\"\nbegin b\n",
			`x.scenario:6: begin: transaction "a" (line 4) is still open on chat 1 and holds its row lock; with the lock on, "b" would wait for it forever, and the script could not go on to end it: commit or roll back "a" first, or say 'row-lock off' to model writers that skip the lock`},
		{"a second transaction on a locked chat (v1, row-lock on)", v1 + "row-lock on\nsubscribe s replica1 after=0\nbegin a\nbegin b\n",
			`x.scenario:5: begin: transaction "a" (line 4) is still open on chat 1 and holds its row lock; with the lock on, "b" would wait for it forever, and the script could not go on to end it: commit or roll back "a" first, or say 'row-lock off' to model writers that skip the lock`},
		{"an edit on a locked chat", v2 + "rows 2\nsubscribe s replica1 after=0\nbegin a\nedit replica1 1 \"y\"\n",
			`x.scenario:5: edit: transaction "a" (line 4) is still open on chat 1 and holds its row lock; the edit would wait for it forever, and the script could not go on to end it: commit or roll back "a" first, or say 'row-lock off'`},
		{"a row whose ID depends on the schedule", v2 + "rows 2\nsubscribe s replica1 after=0\nwrite replica1\nbegin a\ninsert a user \"x\"\ncommit a\npublish replica1 3\n",
			`x.scenario:8: publish: message #3 was inserted after a write, promote or worker step started: its ID depends on the schedule, so the script cannot name it`},
		{"promote without tool calls", v2 + "rows 2\nsubscribe s replica1 after=0\npromote replica1\n",
			`x.scenario:4: promote: chat 1 does not wait on tool calls (declare 'tool-calls N' first)`},
		{"promote twice", v2 + "tool-calls 1\nsubscribe s replica1 after=0\npromote replica1\npromote replica1\n",
			`x.scenario:5: promote: chat 1 has one queued message, promoted already`},
		{"listen without its snapshot", v2 + "listen s replica1 after=0\n",
			`x.scenario:2: listen: subscriber "s" never takes its snapshot (add 'snapshot s')`},
		{"snapshot without listen", v2 + "subscribe s replica1 after=0\nsnapshot s\n",
			`x.scenario:3: snapshot: no subscriber "s" waits for its snapshot (start it with 'listen s REPLICA after=ID')`},
		{"an unknown chat", v2 + "subscribe s replica1 after=0 chat=2\n",
			`x.scenario:2: subscribe: unknown chat 2 (chat 1 always exists; declare more with 'chat N' first)`},
		{"delete of an uncommitted row", v2 + "rows 1\nsubscribe s replica1 after=0\nbegin a\ninsert a user \"x\"\ndelete a 2\n",
			`x.scenario:6: delete: message #2 is not committed (transaction "a" is still open): only a committed row can be deleted`},
		{"delete in another chat", v2 + "chat 2\nrows 1 chat=2\nsubscribe s replica1 after=0\nbegin a\ndelete a 1\n",
			`x.scenario:6: delete: message #1 is in chat 2, transaction "a" in chat 1`},
		{"drop of an unknown subscriber", v2 + "subscribe s replica1 after=0\ndrop t\n",
			`x.scenario:3: drop: no subscriber "t"`},
		{"a bad switch", v2 + "order-by time\n", `x.scenario:2: order-by: want created-at or id, got "time"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := scenarios.ParseScript(strings.NewReader(c.in), "x.scenario")
			require.Error(t, err)
			require.Equal(t, c.want, err.Error())
		})
	}
}

// TestScriptAcceptsWhatTheModelCanRun is the other side: the same lines
// where the model can run them parse, and run to a verdict.
func TestScriptAcceptsWhatTheModelCanRun(t *testing.T) {
	const v1, v2 = "interleave-scenario v1\n", "interleave-scenario v2\n"
	for _, c := range []struct{ name, in string }{
		{"overlapping transactions in v1 (no lock)", v1 + "rows 2\nsubscribe s replica1 after=2\nbegin a\ninsert a user \"x\"\nbegin b\ninsert b user \"y\"\ncommit b\ncommit a\npublish replica1 4\npublish replica1 3\n"},
		{"overlapping transactions with row-lock off", v2 + "row-lock off\nrows 2\nsubscribe s replica1 after=2\nbegin a\nbegin b\ninsert b user \"y\"\ncommit b\ncommit a\n"},
		{"transactions on two chats with the lock on", v2 + "chat 2\nsubscribe s replica1 after=0\nbegin a\nbegin b chat=2\ninsert b user \"y\"\ninsert a user \"x\"\ncommit a\ncommit b\npublish replica1 1\n"},
		{"a broken publisher", v2 + "broken-publisher\nrows 2\nsubscribe s replica1 after=2\nbegin a\ninsert a user \"x\"\nappend replica1 3\ncommit a\n"},
		{"writers, a promote and a worker", v2 + "rows 2\ntool-calls 1\nsubscribe s replica1 after=2\nwrite replica1\npromote replica1\nworker replica1 ticks=1\nbegin a\ninsert a user \"x\"\ncommit a\n"},
		{"drops and a reconnect", v2 + "replicas 2\nrows 2\nsubscribe s replica1 after=2\ndrop s\nlistener-reconnect replica1\nnotify after=1\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc, err := scenarios.ParseScript(strings.NewReader(c.in), "x.scenario")
			require.NoError(t, err)
			search, _ := scenarios.ParseSearch("pct", 3, 2)
			for _, name := range scenarios.StrategyNames() {
				er := scenarios.Explore(scenarios.Spec{Scenario: sc, Strategy: mustStrategy(t, name), Search: search, Seed: 1}, 20, false)
				if er.First != nil {
					require.Equal(t, "assertion", er.First.Failure.Kind.String(), "%s: a model failure, not an oracle verdict:\n%s", name, er.First.Report())
				}
			}
		})
	}
}

// TestScriptExpectsEveryVerdictInTestdata: a scenario file under a testdata
// directory must name the verdict of every strategy; elsewhere a missing
// one means pass.
func TestScriptExpectsEveryVerdictInTestdata(t *testing.T) {
	in := "interleave-scenario v2\nsubscribe s replica1 after=0\nexpect naive fail\nexpect fixed pass\n"
	_, err := scenarios.ParseScript(strings.NewReader(in), "scenarios/testdata/scenarios/x.scenario")
	require.EqualError(t, err, "scenarios/testdata/scenarios/x.scenario: no expect line for fixed-r1, producer-lock, stream-loop: a scenario file under testdata names the verdict of every strategy")
	sc, err := scenarios.ParseScript(strings.NewReader(in), "elsewhere/x.scenario")
	require.NoError(t, err)
	require.Equal(t, scenarios.Pass, sc.Expected("fixed-r1"))
	require.Equal(t, scenarios.Fail, sc.Expected("naive"))

	for _, f := range scriptFiles(t) {
		sc, err := scenarios.LoadScript(f)
		require.NoError(t, err)
		require.Len(t, sc.Expect, len(scenarios.StrategyNames()), f)
	}
}
