// Interleave runs the chat-stream scenarios under a controllable scheduler:
// it explores their schedules, runs and replays single schedules, and
// stress-tests the scenarios test binary, in the spirit of
// golang.org/x/tools/cmd/stress.
//
// Usage:
//
//	interleave <command> [flags] [arguments]
//
// The commands are:
//
//	matrix    every scenario under every merge strategy, explored with pct (d=1, 2, 3) and random
//	list      the scenarios, merge strategies and searches
//	run       run one schedule
//	replay    replay a saved schedule
//	explore   run a budget of schedules of one scenario and strategy
//	stress    run the scenarios test binary many times in parallel
//	debug     run one schedule under the Delve debugger ("interleave debug -h";
//	          of a package's schedtest test: "interleave debug -pkg DIR -h")
//	help      print this text, or one command's section ("interleave help run")
//
// Flags take one dash or two (-p or --p) and may come before or after the
// arguments. Wherever a scenario name is taken, a path to a .scenario file
// is taken too (scenarios/testdata/scenarios/README.md). With --json a
// command prints one JSON object on standard output and nothing else there.
//
// Exit status: 0 when everything passed or matched its expectation; 1 when
// a failure was found (a failing schedule, an unexpected matrix cell, a
// failed stress run); 2 on bad input, when the command could not run, or
// when its output could not be written (a full disk, a closed pipe: the
// command then stops, cleans up and says so on standard error); 130 when
// Ctrl-C interrupted it (matrix, explore, stress, debug), whatever it had
// found.
//
// Every failure ends in lines that rerun exactly it (the same verdict,
// violations and trace hash), to paste into a shell at the repository's
// root: "go test ./scenarios ..." and "go run ./cmd/interleave ..." (so
// nothing needs installing; with "go install ./cmd/interleave", plain
// "interleave" works the same), each argument quoted for the shell and
// files named by absolute paths.
//
// Bad input (an unknown scenario, strategy or search; a malformed seed,
// schedule or scenario file; a missing file; a number past its limit) is
// reported on one line that starts with "interleave: ", before anything is
// written.
//
// Every number has a limit (the constants of package scenarios), checked
// before any work starts: --budget at most 1000000000; -schedules and a
// dfs --seed (the index of a schedule) at most 10000000; --depth from 1 to
// 100;
// --preemptions at most 100 (negative: unbounded); -p from 1 to 1024;
// stress -count at most 1000000000, -pool at most 4096, -timeout at most
// 168h; and the seeds a command runs must stay below 9223372036854775807.
// Scenario files have theirs (scenarios/testdata/scenarios/README.md), and
// so do schedule files (sched.Schedule).
//
// # matrix
//
//	interleave matrix [--budget N] [--scenario S,...] [--strategy X,...] [--seed N] [-p N] [--save DIR] [--html DIR] [--prove N [--prove-budget N]] [--json]
//
// Explores every scenario under every strategy with four searches, PCT at
// bug depths 1, 2 and 3 and random (no one of them finds every failure
// soon), --budget schedules each (default 200), seeds --seed, --seed+1, ...
// (default 1), stopping each search at its first failure, then shrinks the
// smaller of a cell's failures (fewest preemptions, then fewest steps) to
// the fewest preemptions that still fail; -p cells run at once (default:
// the number of CPUs). Each cell's progress is shown as it ends (a live
// line on a terminal, else a line on stderr). It prints a table (verdict,
// expected verdict, schedules explored, which search found the failure
// first and how soon, each search's schedules to its first failure, the
// cell's time with shrinking) and, under it, each failing cell's shrunk
// counterexample as a story, with the lines that rerun exactly it: the go
// test line (TestReplay), the interleave replay line and the interleave
// debug line. No seed names a shrunk run, so each counterexample is saved
// as a schedule file, which the lines name: under --save DIR/<scenario>/,
// or else under a new temporary directory, made at the first failure and
// printed. --html DIR writes each counterexample's timeline page (package
// timeline) as DIR/<scenario>/<schedule file's name>.html. --prove N then
// searches each cell the four searches passed with dpor, every schedule
// with at most N preemptions (-1: every schedule), up to --prove-budget
// runs (default 100000; 0: until exhausted): the PROOF column says "all N"
// when it was exhausted with no failure (a proof within the bound),
// "none in N" when its budget ran out first; a failure it finds fails the
// cell. A cell whose verdict differs from the one
// its scenario expects is marked UNEXPECTED, and makes the exit status 1.
// Ctrl-C stops the searches and shrinking, prints the report so far (marked
// interrupted, with each counterexample found, shrunk as far as it got)
// and saves it; the exit status is then 130.
//
// # list
//
//	interleave list [--json]
//
// Lists the scenarios with what each exercises and the strategies it
// expects to fail, the merge strategies and the searches.
//
// # run
//
//	interleave run --scenario S [--strategy X] [--seed N] [--search pct|random|dfs|dpor]
//	    [--depth D] [--preemptions B] [--trace] [--save DIR] [--html FILE] [--json]
//
// Runs the one schedule that (scenario, strategy, search, seed) names
// (defaults: strategy fixed, seed 1, search pct, depth 3, preemptions 2; for
// dfs and dpor the seed is the schedule's index in the search's order) and prints its
// verdict; a failing run also prints its story, the go test line that
// reproduces it and the interleave debug line that opens it in the
// debugger. --trace prints the whole timeline; --save DIR writes the
// schedule file under DIR/<scenario>/, for replay; --html FILE writes the
// run's timeline page: one self-contained HTML file that shows the run
// (package timeline), passing or failing.
//
// # replay
//
//	interleave replay FILE [--strategy X] [--scenario S] [--trace] [--html FILE] [--json]
//
// Replays a schedule file (saved by run, explore, matrix or a test's
// -interleave.save, or kept in a corpus) under the strategy that recorded
// it, strictly: a run that departs from the schedule fails as a divergence.
// Under another --strategy the schedule guides the run as far as it
// applies. The schedule names its scenario (@scenario, and for a scenario
// file @scenario-file); --scenario overrides it (a version 1 schedule of a
// scenario file recorded only the name). A failing replay prints the lines
// that rerun it: go test with TestReplay and -interleave.replay=FILE,
// interleave replay and interleave debug --schedule. --html FILE writes the
// replay's timeline page.
//
// # explore
//
//	interleave explore --scenario S [--strategy X] [--search pct|random|dfs|dpor] [--budget N]
//	    [--depth D] [--preemptions B] [--seed N] [--stop] [--save DIR] [--html FILE] [--json]
//
// Runs --budget schedules (default 1000) of a scenario under a strategy:
// seeds --seed, --seed+1, ... for random and pct; for dfs and dpor the
// schedules in the search's order, every schedule with at most --preemptions
// preemptions (dpor: one per class of equivalent schedules), until exhausted
// or the budget is spent (default 100000; --budget 0: until exhausted). It
// prints how many schedules ran and failed, the first failure's story and
// reproduction lines, and for dfs and dpor whether the space was exhausted. --stop
// stops at the first failure; --save DIR saves its schedule, and --html
// FILE writes its timeline page (none when nothing failed). While it runs,
// a line of progress goes to stderr every 5 s. Without
// --stop, the first failure is announced on stderr as it is found; Ctrl-C
// then prints the report so far, marked interrupted, saves the first
// failure (with --save) and exits 130.
//
// # stress
//
//	interleave stress [-backend mem] [-p N] [-count N] [-schedules K] [-mode controlled|wild]
//	    [-strategy X | -compare X,Y] [-search S] [-depth D] [-race] [-timeout D]
//	    [-failure RE] [-ignore RE] [-o DIR] [-failfast] [-shard I/N] [--json] [scenario...]
//	interleave stress -backend pg -count N [-p N] [-strategy X | -compare X,Y]
//	    [-dsn DSN] [-pool N] [-jitter P] [-row-lock on|off] [-order-by created-at|id]
//	    [-workload promote|edits|bump-skip] [--json] [promote-while-requires-action]
//	interleave stress -pkg DIR -run REGEXP [-p N] [-count N] [-schedules K] [-mode controlled|wild]
//	    [-search S] [-depth D] [-race] [-timeout D] [-failure RE] [-ignore RE] [-o DIR]
//	    [-failfast] [-shard I/N] [--json]
//
// With -backend mem (the default), stress builds the scenarios test binary
// once (go test -c, with -race if asked) and runs its TestStress -p at a
// time (default: the number of CPUs), -count children in all (default 0:
// until interrupted). Child i runs seeds i*K+1 .. i*K+K, K = -schedules
// (default 20), of the given scenarios (default all) under -strategy
// (default fixed), in -mode controlled (the scheduler picks every step: each
// failure is reproducible from its seed; the default) or wild (real
// goroutines with jitter, best under -race). A status line is printed every
// 5 seconds (a live bar on a terminal). Each failure is logged to its own
// file (under -o DIR, or a new temporary directory) and the final report
// groups failures by signature, with the failure rate, its 95% Wilson
// interval (the upper bound when nothing failed), and per group the go test
// line that reproduces it and an interleave debug line. In controlled mode
// (and with -pkg) each group also gets the timeline page of its first
// failure (package timeline), beside that failure's log as
// fail-<run>-seed<seed>.html: the children write their failures' pages
// (-interleave.html) into a temporary directory, and only each group's is
// kept. -timeout bounds each
// child (default 10m); -failure and -ignore are regular expressions over a
// failed child's output, as in x/tools stress; -failfast stops at the first
// failure.
//
// -shard I/N runs shard I (0-based) of N: the children whose index is I
// modulo N, with the seeds those indices have in the whole run, so N
// machines given the same flags and I = 0..N-1 share one seed space without
// overlap (-count is then the total over all shards). -compare X,Y runs the
// whole stress run once per strategy and prints both reports side by side
// with Fisher's exact test. Ctrl-C stops the children, keeps every log and
// prints the report so far; a second Ctrl-C ends interleave at once, after
// killing what it started and removing its temporary files. The exit status
// is 130 when interrupted (the report covers what finished), else 1 when any
// child failed, 0 otherwise. A child's own -test.timeout is a minute past
// -timeout, and on Linux it dies with interleave; a child ended by a
// SIGINT or SIGTERM from outside is aborted, not failed; one that exits 0
// without the summary line TestStress ends with is failed.
//
// -backend pg runs promote-while-requires-action on a real PostgreSQL
// instead of the model's in-memory store and pubsub (STRESS.md): -count runs
// per strategy (-strategy, or both of -compare), -p chats at once, all in
// this process on real goroutines, with the failure rates reported as above
// (a status line every 5 seconds, a live line on a terminal) and the same
// exit statuses (a failure: a run that violated the oracle; a run that
// ended in an error has no verdict: it is counted apart, not in the rate,
// and stops the run, exit status 2). -dsn names the database (default $INTERLEAVE_PG_DSN;
// make pg-up starts one and prints it), -pool sets the connection pool's
// size (default 2*p+4), -jitter the probability of a random yield (or short
// sleep) at each scheduling point (default 0.3), -row-lock off makes the
// writers skip the chat-row lock (default on, as upstream's writers take it,
// chatd-model.md §10), -order-by id orders the catch-up query by id
// (default created-at, with no tie-break, as upstream did: the rows of the
// promote's transaction then tie, and the stored history can put the
// promoted row first, under any strategy), -workload adds a writer to the
// promote workload: an editor that edits and soft-deletes rows (edits), or
// a writer that skips the stream loop's version bump (bump-skip,
// stream-loop.md H1). It takes none of the flags of the child binaries
// (-mode, -schedules, -search, -depth, -race, -timeout, -failure, -ignore,
// -o, -failfast, -shard), and -backend mem none of -dsn, -pool, -jitter,
// -row-lock, -order-by and -workload: such a flag is bad input.
//
// -pkg DIR -run REGEXP stresses a package's own tests instead, those -run
// selects, which explore their schedules with schedtest: stress builds the
// package's test binary and runs it in DIR with the same flags and
// reports; child i runs seeds i*K+1 .. i*K+K of each test (schedtest's
// -interleave.seed with -interleave.schedules), saves its failing schedules
// in a directory of its own (under -o DIR/schedules, or a temporary
// directory kept when something failed), and the report gives each group's
// go test line, which replays the saved schedule, and its interleave debug
// line. The scenarios' flags (-strategy, -compare, -backend and pg's) are bad
// input with -pkg.
//
// The environment variable INTERLEAVE_TEST_BINARY names a scenarios test
// binary to use instead of building one (its tests set it to build once).
// Children get atexit_sleep_ms=0 added to GORACE, and none of the
// INTERLEAVE_* variables of the test flags (INTERLEAVE_SEED, ...), so their
// flags alone decide what they run.
package main
