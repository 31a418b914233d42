package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pfsnotify/pfsnotify/pkg/buildinfo"
)

// version and --version answer without reading the configuration: even a
// broken config file does not stop them.
func TestVersion(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	broken := writeConfigFile(t, "broken.yaml", "log:\n  levle: debug\n", 0o600) // an unknown key: every other command exits 2
	env := []string{"XDG_CONFIG_HOME=" + filepath.Join(dir, "xdg")}
	want := buildinfo.Read()
	for _, args := range [][]string{{"version"}, {"--version"}, {"--config", broken, "version"}, {"--config", broken, "--version"}} {
		var stdout, stderr strings.Builder
		if code := run(args, &stdout, &stderr, env); code != 0 {
			t.Fatalf("pfsnotify %s: exit %d; want 0\n%s", strings.Join(args, " "), code, stderr.String())
		}
		if got := strings.TrimSpace(stdout.String()); got != want.String() {
			t.Errorf("pfsnotify %s: got %q; want %q", strings.Join(args, " "), got, want.String())
		}
		if !strings.Contains(stdout.String(), want.GoVersion) {
			t.Errorf("pfsnotify %s: got %q; want the Go version %s in it", strings.Join(args, " "), stdout.String(), want.GoVersion)
		}
	}
	var stdout, stderr strings.Builder
	if code := run([]string{"version", "-o", "json"}, &stdout, &stderr, env); code != 0 {
		t.Fatalf("version -o json: exit %d\n%s", code, stderr.String())
	}
	var got buildinfo.Info
	if err := json.Unmarshal([]byte(stdout.String()), &got); err != nil {
		t.Fatalf("version -o json: %v\n%s", err, stdout.String())
	}
	if got != want {
		t.Errorf("version -o json: got %+v; want %+v", got, want)
	}
	var stdout2, stderr2 strings.Builder
	if code := run([]string{"--config", broken, "user", "list"}, &stdout2, &stderr2, env); code != 2 {
		t.Errorf("user list with the broken config: exit %d; want 2 (the config really is broken)", code)
	}
}
