package doctor

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Jobs says where to look for what runs invoke and calendar-sync.
type Jobs struct {
	SystemdDirs []string // unit folders; nil: none
	CronFiles   []string // crontab files or globs; nil: none
	// WantsCalendarSync: calendars are configured, so calendar-sync must run.
	WantsCalendarSync bool
}

// SystemJobs looks where systemd keeps units and cron keeps crontabs
// (those of other users only when doctor may read them: run it as root,
// or as the user whose crontab runs pfsnotify).
func SystemJobs(wantsCalendarSync bool) Jobs {
	return Jobs{
		SystemdDirs:       []string{"/etc/systemd/system", "/usr/local/lib/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"},
		CronFiles:         []string{"/etc/crontab", "/etc/cron.d/*", "/var/spool/cron/crontabs/*", "/var/spool/cron/*"},
		WantsCalendarSync: wantsCalendarSync,
	}
}

// JobsCheck looks for a systemd timer (enabled: linked from
// timers.target.wants) or a crontab line that runs invoke, and
// calendar-sync when there are calendars.
func JobsCheck(j Jobs) Check {
	const name = "jobs"
	return Check{Name: name, Run: func(context.Context) []Result {
		jobs := []struct {
			job, every string
			wanted     bool
		}{
			{"invoke", "every minute", true},
			{"calendar-sync", "every 5 minutes", j.WantsCalendarSync},
		}
		var out []Result
		for _, job := range jobs {
			check := name + " " + job.job
			timer := "pfsnotify-" + job.job + ".timer"
			where, enabled := findTimer(j.SystemdDirs, timer)
			cron := findCron(j.CronFiles, job.job)
			switch {
			case enabled != "":
				out = append(out, ok(check, "systemd timer %s is enabled", enabled))
			case cron != "":
				out = append(out, ok(check, "cron runs it: %s", cron))
			case !job.wanted:
				out = append(out, ok(check, "no timer or crontab line; nothing needs it (no calendars)"))
			case where != "":
				out = append(out, failf(check, "%s is installed but not enabled", "systemctl enable --now "+timer, where))
			default:
				out = append(out, failf(check, "neither a systemd timer (%s) nor a crontab line runs pfsnotify %s",
					"install contrib/systemd/"+timer+" and its .service (systemctl enable --now "+timer+"), or add to the crontab of the pfsnotify user (examples/crontab) a line running it "+job.every,
					timer, job.job))
			}
		}
		return out
	}}
}

// findTimer returns where the timer unit is installed and, if it is
// enabled, the link that enables it.
func findTimer(dirs []string, timer string) (installed, enabled string) {
	for _, d := range dirs {
		if p := filepath.Join(d, timer); exists(p) && installed == "" {
			installed = p
		}
		if p := filepath.Join(d, "timers.target.wants", timer); exists(p) && enabled == "" {
			enabled = p
		}
	}
	return installed, enabled
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// findCron returns "file:line" of the first uncommented crontab line that
// runs pfsnotify's job, or "".
func findCron(globs []string, job string) string {
	for _, g := range globs {
		files, _ := filepath.Glob(g)
		for _, f := range files {
			if line := cronLine(f, job); line != "" {
				return line
			}
		}
	}
	return ""
}

func cronLine(file, job string) string {
	fh, err := os.Open(file) // another user's crontab may be unreadable: skipped
	if err != nil {
		return ""
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || !strings.Contains(line, "pfsnotify") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if f == job {
				return file + ":" + strconv.Itoa(n)
			}
		}
	}
	return ""
}
