package doctor

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
)

// ConfigFile is what loading the configuration found.
type ConfigFile struct {
	Path     string   // the file read; "" when none was found
	Searched []string // where it was looked for, when Path is ""
	Err      error    // why the configuration did not load; nil if it did
	Secrets  []string // the secret keys the file holds ("twilio.auth_token", ...)
}

// ConfigCheck checks that the configuration loaded and that a file holding
// secrets is readable by its owner (and group) only, and writable by its
// owner only.
func ConfigCheck(cf ConfigFile) Check {
	const name = "config"
	return Check{Name: name, Run: func(context.Context) []Result {
		if cf.Err != nil {
			return one(failf(name, "%v", "fix the file (examples/pfsnotify.yaml documents every key), then run pfsnotify doctor again", cf.Err))
		}
		if cf.Path == "" {
			return one(warnf(name, "no config file (looked for %s); using the environment and the defaults",
				"put the configuration in /etc/pfsnotify/config.yaml (see examples/pfsnotify.yaml), or pass --config", strings.Join(cf.Searched, ", ")))
		}
		info, err := os.Stat(cf.Path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return one(failf(name, "%s is gone", "restore it", cf.Path))
			}
			return one(failf(name, "%v", "make it readable by the user pfsnotify runs as", err))
		}
		mode := info.Mode().Perm()
		switch {
		case mode&0o002 != 0:
			return one(failf(name, "%s is writable by every user (mode %04o): anyone can change where reminders go",
				"chmod 600 "+cf.Path, cf.Path, mode))
		case len(cf.Secrets) > 0 && mode&0o004 != 0:
			return one(failf(name, "%s is readable by every user (mode %04o) and holds secrets (%s)",
				"chmod 600 "+cf.Path+" (or 640 with a group of its own), or move the secrets to the environment",
				cf.Path, mode, strings.Join(cf.Secrets, ", ")))
		case len(cf.Secrets) > 0 && mode&0o020 != 0:
			return one(warnf(name, "%s is writable by its group (mode %04o) and holds secrets",
				"chmod g-w "+cf.Path, cf.Path, mode))
		}
		return one(ok(name, "%s loaded (mode %04o)", cf.Path, mode))
	}}
}
