package stress

import "strings"

// ShellQuote quotes s for a POSIX shell when it needs it: s as it is when
// it holds only characters no shell treats specially, else s in single
// quotes (a single quote inside is closed, escaped and reopened).
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=,:@+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ShellJoin renders a command line, each argument quoted with ShellQuote,
// so that it can be pasted into a shell.
func ShellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = ShellQuote(a)
	}
	return strings.Join(q, " ")
}
