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
//	go test ./scenarios -run 'TestScenarios/out-of-order/naive/seed=3$' -interleave.strategy=naive -interleave.seed=3 -interleave.search=pct -interleave.depth=3
//
// The test flags are documented in [LoadConfig]; each has an INTERLEAVE_*
// environment variable.
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
