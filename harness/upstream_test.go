package harness_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/mock/gomock"

	"github.com/interleave/interleave/harness"
	"github.com/interleave/interleave/harness/storemock"
	"github.com/interleave/interleave/sched"
)

// The three deterministic cases of the upstream project (chatd-model.md §8),
// run against every merge strategy. The subscriber's replica reads a gomock
// store, so each case pins exactly which queries a strategy makes: the
// snapshot first, then each catch-up with the afterID the strategy should
// ask for, and nothing else.

// dbCall is one expected GetChatMessagesByChatID(chat, after) and the rows
// the database returns for it at that moment.
type dbCall struct {
	after int64
	rows  []int64
}

// upstreamRun is what a case's script drives, from the main task.
type upstreamRun struct {
	rt       *sched.Runtime
	w        *harness.World
	r        *harness.Replica
	strategy harness.Design
	sub      *harness.Subscriber
	// phases records DeliveredIDs at every settle.
	phases [][]int64
}

func (u *upstreamRun) subscribe(after int64) {
	sub, err := u.r.SubscribeAuthorized("sub", chat, after, u.strategy)
	if err != nil {
		u.rt.Failf("subscribe: %v", err)
	}
	u.sub = sub
	u.w.AddSubscriber(sub)
}

// cache runs step 1 of publishMessage (§3) for each id: the append to the
// durable cache, in the order given.
func (u *upstreamRun) cache(ids ...int64) {
	for _, id := range ids {
		u.r.AppendDurable(chat, msg(id))
	}
}

func (u *upstreamRun) notify(after int64) {
	u.w.PubSub.Publish(harness.ChatChannel(chat), harness.Notify{AfterMessageID: after})
}

// settle lets the listener and the merge goroutine handle everything
// published so far, then records what the client has.
func (u *upstreamRun) settle() {
	u.rt.WaitIdle()
	u.phases = append(u.phases, u.sub.DeliveredIDs())
}

// upstreamCase is the expected behaviour of one strategy in one case.
type upstreamCase struct {
	strategy harness.Design
	// catchUp lists the merge's database queries, in order.
	catchUp []dbCall
	// phases is DeliveredIDs at each settle, in delivery order; when
	// anyOrder is set, the last phase is compared as a set.
	phases   [][]int64
	anyOrder bool
	// violations builds the oracle's expected verdict from the settled
	// subscriber (whose cursor history gives the steps): the violations and
	// their exact text.
	violations func(t *testing.T, sub *harness.Subscriber) ([]harness.Violation, []string)
}

// as returns the same expectation for another strategy.
func (c upstreamCase) as(s harness.Design) upstreamCase {
	c.strategy = s
	return c
}

// schedulers are the fixed strategies each case runs under. The script
// settles with WaitIdle after every notify, so the outcome must not depend
// on which one runs.
var schedulers = []struct {
	name string
	make func() sched.Strategy
}{
	{"first-runnable", firstRunnable},
	{"random-1", func() sched.Strategy { return sched.Random(1) }},
}

func runUpstream(t *testing.T, truth *fakeTruth, snapshot dbCall, script func(u *upstreamRun), cases []upstreamCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.strategy.Name(), func(t *testing.T) {
			for _, sc := range schedulers {
				t.Run(sc.name, func(t *testing.T) {
					ctrl := gomock.NewController(t)
					db := storemock.NewMockStore(ctrl)
					calls := []any{db.EXPECT().GetChatMessagesByChatID(chat, snapshot.after).Return(msgs(snapshot.rows...), nil)}
					for _, c := range tc.catchUp {
						calls = append(calls, db.EXPECT().GetChatMessagesByChatID(chat, c.after).Return(msgs(c.rows...), nil))
					}
					gomock.InOrder(calls...)

					u := &upstreamRun{strategy: tc.strategy}
					res := sched.Run(func(rt *sched.Runtime) {
						u.rt = rt
						u.w = harness.NewWorld(rt, harness.WorldConfig{
							Config: harness.ConfigFor(tc.strategy, harness.Config{}),
							Store:  db,
							Truth:  truth,
						})
						u.r = u.w.Replicas[0]
						script(u)
						u.w.Settle()
					}, sched.Options{Strategy: sc.make(), Trace: true})
					requireRun(t, res)
					ctrl.Finish() // every expected query was made

					require.Len(t, u.phases, len(tc.phases))
					for i, want := range tc.phases {
						if tc.anyOrder && i == len(tc.phases)-1 {
							require.ElementsMatch(t, want, u.phases[i], "phase %d", i+1)
							continue
						}
						require.Equal(t, want, u.phases[i], "phase %d", i+1)
					}
					// Settling changes nothing: every notify was handled.
					require.Equal(t, u.phases[len(u.phases)-1], u.sub.DeliveredIDs())

					got := harness.Check(u.sub, truth)
					var want []harness.Violation
					var texts []string
					if tc.violations != nil {
						want, texts = tc.violations(t, u.sub)
					}
					if len(want) == 0 {
						require.Empty(t, got, "trace:\n%s", res.Trace)
						return
					}
					require.Equal(t, want, got, "trace:\n%s", res.Trace)
					require.Equal(t, texts, violationStrings(got))
				})
			}
		})
	}
}

// neverDelivered is the oracle's verdict on a message the cursor jumped
// over: lastMessageID moved from -> to, past id, and id never arrived. For
// naive (and producer-lock), which look up only after the cursor, the
// cursor moved past it for good and the loss was certain from then on; for
// fixed-r1, which looks up from min(After, lastMessageID), the oracle says
// only that the cursor passed it.
func neverDelivered(id, from, to int64) func(*testing.T, *harness.Subscriber) ([]harness.Violation, []string) {
	return func(t *testing.T, sub *harness.Subscriber) ([]harness.Violation, []string) {
		step, ok := cursorStep(sub, from, to)
		require.True(t, ok, "the cursor never moved %d -> %d: %v", from, to, sub.Cursor())
		_, bound := sub.Strategy.(harness.CursorBound)
		detail := fmt.Sprintf("never delivered (the cursor passed it, %d -> %d, at step %d)", from, to, step)
		if bound {
			detail = fmt.Sprintf("never delivered (lastMessageID moved past it for good, %d -> %d, at step %d)", from, to, step)
		}
		return []harness.Violation{{Subscriber: "sub", Property: harness.ExactlyOnce, IDs: []int64{id}, Detail: detail, Step: step, Inevitable: bound}},
			[]string{fmt.Sprintf("sub: exactly once: message #%d %s", id, detail)}
	}
}

// TestOutOfOrderDurableMessage: the snapshot is [3 4]; 5 and 7 reach the
// cache and the notify After=4 arrives, so 5 then 7 are delivered; then 6,
// which committed after 7, reaches the cache with its notify After=5. The
// naive cursor is already at 7, so 6 is lost; the fixes deliver it.
func TestOutOfOrderDurableMessage(t *testing.T) {
	truth := truthOf(3, 4, 5, 6, 7)
	script := func(u *upstreamRun) {
		u.subscribe(0)
		u.cache(5, 7)
		u.notify(4)
		u.settle()
		u.cache(6)
		u.notify(5)
		u.settle()
	}
	snapshot := dbCall{after: 0, rows: []int64{3, 4}}
	naive := upstreamCase{
		// The cache after 7 is empty, so naive asks the database after
		// 7, which has nothing: 6 < 7.
		catchUp:    []dbCall{{after: 7}},
		phases:     [][]int64{{3, 4, 5, 7}, {3, 4, 5, 7}},
		violations: neverDelivered(6, 5, 7),
	}
	cases := []upstreamCase{
		naive.as(harness.Naive{}),
		// fixed-r1 finds 6 in the cache from min(5, 7) = 5; a cache hit
		// skips the database both times.
		{strategy: harness.FixedR1{}, phases: [][]int64{{3, 4, 5, 7}, {3, 4, 5, 7, 6}}},
		// fixed always asks the database too: after 4 (6 not yet
		// committed), then after max(0, min(5, 7)) = 5.
		{strategy: harness.Fixed{}, catchUp: []dbCall{{after: 4, rows: []int64{5, 7}}, {after: 5, rows: []int64{6, 7}}},
			phases: [][]int64{{3, 4, 5, 7}, {3, 4, 5, 7, 6}}},
		// producer-lock merges like naive; with no writers to serialize,
		// it loses 6 the same way.
		naive.as(harness.ProducerLock{}),
	}
	runUpstream(t, truth, snapshot, script, cases)
}

// TestLateNotifyBelowReconnectFloor: the cache holds 96..101, the client
// subscribes after 100, and a late notify After=95 (the one for 96)
// arrives. Only 101 may be delivered: fixed-r1 looks up after min(95,
// cursor) and re-sends 96..100; naive looks up after its cursor and fixed
// never goes below the floor. §8 does not say whether 101 was in the
// snapshot, so both cases run: committed just after the snapshot (the
// cursor stays at the floor, 100, and 101 comes from the cache), or before
// it (the snapshot delivers 101 and the cursor is 101).
func TestLateNotifyBelowReconnectFloor(t *testing.T) {
	truth := truthOf(span(90, 101)...)
	resent := func(*testing.T, *harness.Subscriber) ([]harness.Violation, []string) {
		detail := "delivered though the subscriber asked for messages after #100"
		return []harness.Violation{{Subscriber: "sub", Property: harness.NoResendBelowFloor, IDs: span(96, 100), Detail: detail}},
			[]string{"sub: no resend below the floor: messages #96, #97, #98, #99, #100 " + detail}
	}
	t.Run("101 after the snapshot", func(t *testing.T) {
		script := func(u *upstreamRun) {
			u.cache(96, 97, 98, 99, 100)
			u.subscribe(100)
			u.cache(101)
			u.notify(95)
			u.settle()
		}
		runUpstream(t, truth, dbCall{after: 100}, script, []upstreamCase{
			// The cursor is 100: the cache after 100 holds 101.
			{strategy: harness.Naive{}, phases: [][]int64{{101}}},
			{strategy: harness.FixedR1{}, phases: [][]int64{{96, 97, 98, 99, 100, 101}}, violations: resent},
			// max(100, min(95, 100)) = 100, in the cache and the database.
			{strategy: harness.Fixed{}, catchUp: []dbCall{{after: 100, rows: []int64{101}}}, phases: [][]int64{{101}}},
			{strategy: harness.ProducerLock{}, phases: [][]int64{{101}}},
		})
	})
	t.Run("101 in the snapshot", func(t *testing.T) {
		script := func(u *upstreamRun) {
			u.cache(96, 97, 98, 99, 100, 101)
			u.subscribe(100)
			u.notify(95)
			u.settle()
		}
		runUpstream(t, truth, dbCall{after: 100, rows: []int64{101}}, script, []upstreamCase{
			// The cursor is 101: nothing cached after it, nor in the
			// database.
			{strategy: harness.Naive{}, catchUp: []dbCall{{after: 101}}, phases: [][]int64{{101}}},
			// 101 is skipped as delivered, 96..100 are not.
			{strategy: harness.FixedR1{}, phases: [][]int64{{101, 96, 97, 98, 99, 100}}, violations: resent},
			{strategy: harness.Fixed{}, catchUp: []dbCall{{after: 100, rows: []int64{101}}}, phases: [][]int64{{101}}},
			{strategy: harness.ProducerLock{}, catchUp: []dbCall{{after: 101}}, phases: [][]int64{{101}}},
		})
	})
}

// TestDBFallbackWhenCacheDeliversUnrelated: the client subscribes after 5;
// another replica commits 6 (it reaches this replica only through the
// database and its notify After=5), and this replica caches its own 8. A
// cache hit on 8 must not skip the database: both 6 and 8 must arrive, in
// either order. naive and fixed-r1 miss 6; fixed passes.
func TestDBFallbackWhenCacheDeliversUnrelated(t *testing.T) {
	truth := truthOf(1, 2, 3, 4, 5, 6, 8)
	script := func(u *upstreamRun) {
		u.subscribe(5)
		u.cache(8)
		u.notify(5)
		u.settle()
	}
	snapshot := dbCall{after: 5}
	cases := []upstreamCase{
		{strategy: harness.Naive{}, phases: [][]int64{{8}}, violations: neverDelivered(6, 5, 8)},
		{strategy: harness.FixedR1{}, phases: [][]int64{{8}}, violations: neverDelivered(6, 5, 8)},
		{strategy: harness.Fixed{}, catchUp: []dbCall{{after: 5, rows: []int64{6, 8}}}, phases: [][]int64{{6, 8}}, anyOrder: true},
		{strategy: harness.ProducerLock{}, phases: [][]int64{{8}}, violations: neverDelivered(6, 5, 8)},
	}
	runUpstream(t, truth, snapshot, script, cases)
}

// TestNaiveCursorFollowsAppendOrder pins a detail of §6: naive sets
// lastMessageID to each sent ID in turn (assignment, not max). The cache
// holds [7 6] (7 committed first); the notify for 6 sends 7 then 6 and
// leaves the cursor at 6, so the notify for 7 finds 7 in the cache again
// and naive sends it twice. The fixes track delivered IDs and keep the
// cursor at the maximum.
func TestNaiveCursorFollowsAppendOrder(t *testing.T) {
	truth := truthOf(1, 2, 3, 4, 5, 6, 7)
	script := func(u *upstreamRun) {
		u.subscribe(5)
		u.cache(7, 6)
		u.notify(5)
		u.settle()
		u.notify(6)
		u.settle()
	}
	twice := func(*testing.T, *harness.Subscriber) ([]harness.Violation, []string) {
		return []harness.Violation{{Subscriber: "sub", Property: harness.ExactlyOnce, IDs: []int64{7}, Detail: "delivered more than once"}},
			[]string{"sub: exactly once: message #7 delivered more than once"}
	}
	runUpstream(t, truth, dbCall{after: 5}, script, []upstreamCase{
		{strategy: harness.Naive{}, phases: [][]int64{{7, 6}, {7, 6, 7}}, violations: twice},
		{strategy: harness.FixedR1{}, catchUp: []dbCall{{after: 6, rows: []int64{7}}}, phases: [][]int64{{7, 6}, {7, 6}}},
		{strategy: harness.Fixed{}, catchUp: []dbCall{{after: 5, rows: []int64{6, 7}}, {after: 6, rows: []int64{7}}}, phases: [][]int64{{7, 6}, {7, 6}}},
		{strategy: harness.ProducerLock{}, phases: [][]int64{{7, 6}, {7, 6, 7}}, violations: twice},
	})
}
