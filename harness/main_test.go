package harness_test

import (
	"fmt"
	"slices"
	"testing"

	"go.uber.org/goleak"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/sched"
)

// TestMain fails the package if any test leaves a goroutine behind: a
// controlled run must unwind every task it started, and a wild run must
// join them all.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// chat is the chat every test streams.
const chat int64 = 1

// firstRunnable never preempts: the running task goes on until it blocks.
func firstRunnable() sched.Strategy { return sched.Chooser(func(int) int { return 0 }) }

// msg is a committed row of chat with created_at following the ID.
func msg(id int64) harness.Message {
	return harness.Message{ID: id, ChatID: chat, Role: harness.RoleAssistant, Content: fmt.Sprintf("m%d", id), CreatedAt: id}
}

// msgs returns msg(id) for each id, in the order given.
func msgs(ids ...int64) []harness.Message {
	out := make([]harness.Message, len(ids))
	for i, id := range ids {
		out[i] = msg(id)
	}
	return out
}

// span returns from, from+1, ..., to.
func span(from, to int64) []int64 {
	var out []int64
	for id := from; id <= to; id++ {
		out = append(out, id)
	}
	return out
}

// fakeTruth is a small ground truth for the oracle when the store is a mock:
// the rows of chat, committed and visible, in created_at order.
type fakeTruth struct{ rows []harness.Message }

func truthOf(ids ...int64) *fakeTruth { return &fakeTruth{rows: msgs(ids...)} }

func (f *fakeTruth) History(chatID int64) []harness.Message {
	var out []harness.Message
	for _, m := range f.rows {
		if m.ChatID == chatID {
			out = append(out, m)
		}
	}
	return out
}

func (f *fakeTruth) Exists(id int64) bool {
	return slices.ContainsFunc(f.rows, func(m harness.Message) bool { return m.ID == id })
}

// requireRun fails the test with the run's failure and trace, if any.
func requireRun(t *testing.T, res *sched.Result) {
	t.Helper()
	if res.Failure != nil {
		t.Fatalf("run failed: %v\n%s", res.Failure, res.Failure.Trace)
	}
}

// cursorStep returns the step at which the subscriber's cursor moved from
// -> to, and whether it did.
func cursorStep(s *harness.Subscriber, from, to int64) (int, bool) {
	for _, c := range s.Cursor() {
		if c.From == from && c.To == to {
			return c.Step, true
		}
	}
	return 0, false
}

// violationStrings renders violations for exact comparison.
func violationStrings(vs []harness.Violation) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.String()
	}
	return out
}
