package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const unitsDir = "../../contrib/systemd"

// unit is a systemd unit file: the values of each key, by section.
type unit map[string]map[string][]string

func readUnit(t *testing.T, path string) unit {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	u := unit{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			u[section] = map[string][]string{}
		default:
			key, value, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s:%d: %q is not key=value in a section", path, n, line)
			}
			u[section][key] = append(u[section][key], value)
		}
	}
	return u
}

// value is the last value of key in [Service] ("" if unset).
func (u unit) value(key string) string {
	vs := u["Service"][key]
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// sandbox is what every unit has, the servers' hardening.
var sandbox = map[string]string{
	"User": "pfsnotify", "Group": "pfsnotify", "StateDirectory": "pfsnotify", "WorkingDirectory": "/var/lib/pfsnotify",
	"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes", "PrivateDevices": "yes",
	"ProtectKernelTunables": "yes", "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes", "ProtectControlGroups": "yes",
	"ProtectClock": "yes", "ProtectHostname": "yes", "ProtectProc": "invisible",
	"RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6", "RestrictNamespaces": "yes", "RestrictRealtime": "yes",
	"RestrictSUIDSGID": "yes", "LockPersonality": "yes", "MemoryDenyWriteExecute": "yes", "SystemCallArchitectures": "native",
	"SystemCallErrorNumber": "EPERM", "CapabilityBoundingSet": "", "AmbientCapabilities": "", "UMask": "0077",
}

func TestSystemdUnits(t *testing.T) {
	for _, tt := range []struct {
		file    string
		command string
		server  bool
	}{
		{"pfsnotify-invoke.service", "invoke", false},
		{"pfsnotify-calendar-sync.service", "calendar-sync", false},
		{"pfsnotify-panel.service", "serve-panel", true},
		{"pfsnotify-twiml.service", "serve-twiml", true},
	} {
		t.Run(tt.file, func(t *testing.T) {
			u := readUnit(t, filepath.Join(unitsDir, tt.file))
			if exec := u.value("ExecStart"); !strings.Contains(exec, " "+tt.command) {
				t.Errorf("ExecStart=%s; want pfsnotify %s", exec, tt.command)
			}
			for key, want := range sandbox {
				if got := u["Service"][key]; len(got) == 0 || got[len(got)-1] != want {
					t.Errorf("%s=%q; want %q", key, got, want)
				}
			}
			if got := u["Service"]["SystemCallFilter"]; !slices.Equal(got, []string{"@system-service", "~@privileged @resources"}) {
				t.Errorf("SystemCallFilter=%q; want @system-service, then ~@privileged @resources", got)
			}
			if tt.server {
				if u.value("Restart") != "on-failure" || !slices.Contains(strings.Fields(u.value("RestartPreventExitStatus")), "2") {
					t.Errorf("Restart=%s, RestartPreventExitStatus=%s; want on-failure, and no restart after a configuration error (2)",
						u.value("Restart"), u.value("RestartPreventExitStatus"))
				}
				return
			}
			metrics := "/var/lib/prometheus/node-exporter/pfsnotify-" + tt.command + ".prom"
			if exec := u.value("ExecStart"); !strings.HasSuffix(exec, " --metrics-file "+metrics) ||
				u.value("ReadWritePaths") != "-/var/lib/prometheus/node-exporter" {
				t.Errorf("ExecStart=%s, ReadWritePaths=%s; want --metrics-file %s, and its folder writable if it exists",
					exec, u.value("ReadWritePaths"), metrics)
			}
			if u.value("Type") != "oneshot" {
				t.Errorf("Type=%s; want oneshot (started by its timer)", u.value("Type"))
			}
			// A hung run must end, or it holds back every later tick.
			limit, err := time.ParseDuration(strings.TrimSuffix(u.value("TimeoutStartSec"), "in")) // "10min" -> "10m"
			if err != nil || limit <= 0 || limit > 30*time.Minute {
				t.Errorf("TimeoutStartSec=%q; want a limit of at most 30min", u.value("TimeoutStartSec"))
			}
		})
	}

	invoke := readUnit(t, filepath.Join(unitsDir, "pfsnotify-invoke.service"))
	if env := invoke["Service"]["Environment"]; !slices.Contains(env, "PFSNOTIFY_INVOKE_STATE_DIR=/var/lib/pfsnotify") {
		t.Errorf("invoke's Environment=%q; want PFSNOTIFY_INVOKE_STATE_DIR=/var/lib/pfsnotify, its StateDirectory, for the result journal", env)
	}
}

// TestSystemdUnitsVerify runs systemd-analyze verify on the units, with
// ExecStart pointing at a binary that exists, where systemd is installed.
func TestSystemdUnitsVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	units, err := filepath.Glob(filepath.Join(unitsDir, "pfsnotify-*"))
	if err != nil || len(units) < 6 {
		t.Fatalf("units in %s: %q, %v; want the 4 services and 2 timers", unitsDir, units, err)
	}
	dir := t.TempDir()
	var paths []string
	for _, src := range units {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, filepath.Base(src))
		if err := os.WriteFile(dst, bytes.ReplaceAll(data, []byte("/usr/local/bin/pfsnotify"), []byte(self)), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, dst)
	}
	out, err := exec.Command(analyze, append([]string{"verify"}, paths...)...).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
