// Package shell quotes command lines for a POSIX shell, so that a printed
// line runs exactly its arguments when pasted, and nothing else.
package shell

import "strings"

// Quote returns s as it is when it holds only characters no shell treats
// specially, else s in single quotes (a single quote inside is closed,
// escaped and reopened).
func Quote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=,:@+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Join renders a command line with each argument quoted.
func Join(args ...string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = Quote(a)
	}
	return strings.Join(q, " ")
}
