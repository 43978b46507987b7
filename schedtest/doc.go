// Package schedtest runs a concurrent test body under interleave's
// scheduler from go test: Check explores its schedules, and a failure ends
// the test with the story of the run, its shrunk schedule saved under
// testdata, and the go test line that reruns exactly it.
//
//	func TestTransfer(t *testing.T) {
//		schedtest.Check(t, func(rt *sched.Runtime) {
//			a, b := bank.NewAccount(100), bank.NewAccount(0)
//			var wg sync.WaitGroup // github.com/interleave/interleave/std/sync
//			wg.Go(func() { bank.Transfer(a, b, 80) })
//			wg.Go(func() { bank.Transfer(a, b, 80) })
//			wg.Wait()
//			if a.Balance() < 0 {
//				rt.Failf("balance %d", a.Balance())
//			}
//		})
//	}
//
// The body runs as the main task of each run. The code under test uses the
// packages under std (sync, sync/atomic, time, context, chans) in place of
// the standard library's, which find their run by themselves: nothing is
// threaded through it. The body checks its properties with rt.Failf (a
// failing run) and may tell its story with rt.Notef. It must build
// everything it uses: Check first runs it twice on one schedule and fails if
// the two runs differ, which is what state kept between runs causes.
//
// # Settings
//
// The flags and variables are those of the scenarios' tests, parsed by the
// same code; a flag wins over its variable, which wins over an Option:
//
//	-interleave.search K       INTERLEAVE_SEARCH       random, pct (default) or dfs
//	-interleave.schedules N    INTERLEAVE_SCHEDULES    schedules to explore (default 100; dfs: until exhausted)
//	-interleave.seed N         INTERLEAVE_SEED         run only schedule N (a seed, or a dfs index)
//	-interleave.depth D        INTERLEAVE_DEPTH        PCT's bug depth (default 3)
//	-interleave.preemptions B  INTERLEAVE_PREEMPTIONS  DFS's bound on preemptions, and on data choices (default 2; negative: none)
//	-interleave.mode M         INTERLEAVE_MODE         controlled (default) or wild
//	-interleave.save DIR       INTERLEAVE_SAVE         where failing schedules go (default testdata/interleave)
//	-interleave.replay FILE    INTERLEAVE_REPLAY       rerun the schedule in FILE, alone
//
// Schedule N of random and PCT uses seed N, so -interleave.seed=N reruns
// it (with -interleave.schedules=K as well, schedules N to N+K-1: how
// interleave stress gives each child its seeds); PCT calibrates its step
// count from a run of the body. A DFS without a
// bound says so when it starts, and every search reports its progress on
// stderr every ten seconds.
//
// # Failures
//
// The first failing schedule is replayed with its trace, shrunk to the
// fewest preemptions that still fail the same way (sched.Shrink), saved
// atomically as testdata/interleave/<Test>/<search>-seed<N>.schedule (one
// directory level per subtest) and reported with t.Fatal: the failure, the
// timeline of the shrunk run with the notes, and the lines that rerun the
// shrunk schedule (-interleave.replay) and the schedule as found
// (-interleave.seed), and the interleave debug line that opens the shrunk
// schedule under Delve (interleave debug sets INTERLEAVE_DEBUG=1, under
// which Check runs the one schedule it is given and nothing else). When
// INTERLEAVE_STRESS=1 (interleave stress sets it
// for its children), a line "INTERLEAVE-FAILURE {json}" on stdout carries
// the same for the stress report. Every later run of the test replays the
// saved schedules first: one that still fails fails the test at once; one
// that passes (the bug is fixed) or no longer applies (the code changed)
// is logged and kept until you delete it.
//
// Check works with t.Parallel and subtests (each run is independent, and
// parallel runs are told apart by sched.Current) and under -race.
package schedtest
