// Package scenarios turns the chat stream model into tests: named
// scenarios over fixed or generated workloads, run under a search (random,
// PCT or exhaustive DFS) and a merge strategy, reproducible by seed,
// shrinkable through rapid, and kept as a corpus of schedules.
//
// # Running
//
// A (scenario, strategy, search, seed) quadruple names exactly one schedule:
// [Run] runs it and [Explore] runs a budget of consecutive seeds. Every
// failing run can be reproduced with the line [RunResult.Repro] prints:
//
//	go test ./scenarios -run '^TestScenarios$/^out-of-order$/^naive$/^seed=31$' -interleave.scenario=out-of-order -interleave.strategy=naive -interleave.seed=31 -interleave.search=pct -interleave.depth=3 -interleave.preemptions=2
//
// A run no seed names, a replay of a schedule file ([ReplayFile]) such as a
// counterexample shrunk by [ShrinkResult] and saved by [SaveSchedule], is
// reproduced through its file:
//
//	go test ./scenarios -run '^TestReplay$' -interleave.replay=/abs/path/naive-shrunk-pct-seed31.schedule
//
// [RunResult.CLI] and [RunResult.DebugLine] are the interleave lines that
// do the same (go run ./cmd/interleave run or replay, and debug). All of
// them are meant to be pasted into a shell at the repository's root: each
// argument is quoted for the shell (internal/shell) and files are named by
// absolute paths. [RunMatrix] runs every scenario under every strategy and
// shrinks each failing cell's counterexample.
//
// The test flags are documented in [LoadConfig]; each has an INTERLEAVE_*
// environment variable.
//
// # Schedule files
//
// A schedule file is a [sched.Schedule] in its text form (version 2; the
// header, then @key value lines, then the choices) whose metadata says what
// to run the choices on, in this order:
//
//	@scenario NAME          the scenario's name (see CheckName)
//	@scenario-file PATH     a scripted scenario's file; a relative PATH is
//	                        relative to the schedule file's directory
//	@strategy NAME          the merge strategy that recorded the choices
//	@workload-seed N        a generated scenario's workload seed (required for
//	                        one, absent otherwise)
//	@search KIND            how the choices were made: random, pct, dfs or dpor (the
//	                        search's @seed N reruns them: its seed, or for
//	                        dfs its index, with @depth D for pct and
//	                        @preemptions B for dfs); shrunk (made smaller
//	                        by ShrinkResult; @shrunk-from says from what, for
//	                        people); guided (a guided replay's own choices)
//	@verdict pass|fail      the verdict under @strategy
//
// [Replay] reads the fields strictly: a malformed @seed, @workload-seed,
// @depth, @preemptions or @search is an error. Replaying needs only the
// scenario, strategy and workload seed; the search fields say where the
// choices came from. Version 1 files had one @seed for both the search and
// the workload and an empty @search for a shrunk schedule; they replay with
// that meaning. Other @ keys are ignored; # lines are comments
// (SaveSchedule writes the verdict, the go test line and the timeline
// there).
//
// # Scripted scenarios
//
// Besides the built-in scenarios ([All]), a scenario can be a text file in
// the format of testdata/scenarios/README.md ([ParseScript]); every file in
// testdata/scenarios runs under every strategy in go test. Format v2 models
// upstream as chatd-model.md §10 describes it (the chat-row lock on,
// created_at at the transaction's start); v1 files keep their meaning. A
// file the model could not run is a parse error.
package scenarios
