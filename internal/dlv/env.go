package dlv

import (
	"os"
	"os/user"
	"path/filepath"
)

// dlvEnv returns the environment for a dlv process (which the debugged
// program inherits): the caller's environment, then extra, then
// XDG_CONFIG_HOME pointing at a fresh directory under tmp.
//
// dlv loads (and on first use writes) its config from
// $XDG_CONFIG_HOME/dlv/config.yml, falling back to ~/.config/dlv on Linux
// and ~/.dlv elsewhere; the Go telemetry counters linked into dlv are
// written under $XDG_CONFIG_HOME/go/telemetry. Pointing XDG_CONFIG_HOME at
// a temp dir keeps both out of the user's home.
//
// Exception: if the user still has a legacy ~/.dlv/config.yml, dlv
// migrates it on start-up into $XDG_CONFIG_HOME/dlv and deletes ~/.dlv
// (home taken from the passwd entry, not $HOME). With a temp
// XDG_CONFIG_HOME that would destroy the user's config, so in that case
// the environment is left as is and dlv behaves exactly as when run by hand.
func dlvEnv(tmp string, extra []string) ([]string, error) {
	env := append(os.Environ(), extra...)
	if legacyConfigExists() {
		return env, nil
	}
	xdg := filepath.Join(tmp, "xdg-config")
	if err := os.MkdirAll(xdg, 0o700); err != nil {
		return nil, err
	}
	// os/exec keeps the last of duplicate keys.
	return append(env, "XDG_CONFIG_HOME="+xdg), nil
}

func legacyConfigExists() bool {
	u, err := user.Current()
	if err != nil || u.HomeDir == "" {
		return false
	}
	_, err = os.Stat(filepath.Join(u.HomeDir, ".dlv", "config.yml"))
	return err == nil
}
