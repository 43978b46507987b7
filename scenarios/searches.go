package scenarios

// MatrixSearches is the default combination of searches a matrix cell runs,
// each from the same first seed, each stopping at its first failure: PCT at
// bug depths 1, 2 and 3, then random. No one search finds every failure
// soon: a case that random found once in 30,000 schedules, PCT with depth 2
// found within 6; PCT with depth 1 never preempts on purpose, and finds
// what needs no more than the order in which tasks start. A cell passes
// only when all four pass.
func MatrixSearches() []Search {
	return []Search{
		{Kind: "pct", Depth: 1, Preemptions: 2},
		{Kind: "pct", Depth: 2, Preemptions: 2},
		{Kind: "pct", Depth: 3, Preemptions: 2},
		{Kind: "random", Depth: 3, Preemptions: 2},
	}
}
