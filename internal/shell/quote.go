// Package shell renders command lines that can be pasted into a POSIX shell
// (sh, bash, zsh) and run exactly the arguments they were made of, and
// nothing else: every line the project prints for a person to paste goes
// through Quote or Join.
package shell

import "strings"

// safe holds the bytes no shell treats specially anywhere in a word.
const safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=,:@+"

// Quote quotes s for a POSIX shell when it needs it: s as it is when it
// holds only letters, digits and -_./=,:@+ (and does not start with '=',
// which zsh expands), else s in single quotes, a single quote inside closed,
// escaped and reopened:
//
//	it's  ->  'it'\''s'
//
// The shell reads the result back as exactly s: nothing in it is expanded,
// substituted or split.
func Quote(s string) string {
	if s != "" && s[0] != '=' && strings.Trim(s, safe) == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Join renders a command line, each argument quoted with Quote.
func Join(args ...string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = Quote(a)
	}
	return strings.Join(q, " ")
}
