package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// man writes one page per command, from the --help text, without reading
// a configuration.
func TestMan(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "man1")
	t.Chdir(t.TempDir())
	var stdout, stderr strings.Builder
	if code := run([]string{"--config", "/nonexistent.yaml", "man", dir}, &stdout, &stderr, nil); code != 0 {
		t.Fatalf("man: exit %d\n%s", code, stderr.String())
	}
	var want []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if !c.IsAvailableCommand() && c.Name() != "pfsnotify" {
			return
		}
		want = append(want, strings.ReplaceAll(c.CommandPath(), " ", "-")+".1")
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	root := newRootCmd(newApp(nil, nil, nil))
	root.InitDefaultHelpCmd() // what Execute adds
	root.InitDefaultCompletionCmd()
	walk(root)
	for _, page := range want {
		if _, err := os.Stat(filepath.Join(dir, page)); err != nil {
			t.Errorf("got no %s: %v", page, err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.1"))
	if len(files) != len(want) || !strings.Contains(stdout.String(), "wrote") {
		t.Errorf("got %d pages, printed %q; want %d", len(files), stdout.String(), len(want))
	}
	page, err := os.ReadFile(filepath.Join(dir, "pfsnotify-doctor.1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{".TH \"PFSNOTIFY\" \"1\"", "pfsnotify-doctor - Check the configuration", "ok, warn or fail", "--timeout"} {
		if !strings.Contains(string(page), s) {
			t.Errorf("pfsnotify-doctor.1 lacks %q:\n%s", s, page)
		}
	}
	if strings.Contains(string(page), "Auto generated") {
		t.Error("a page carries cobra's generation date; want reproducible pages")
	}
	// Where groff is installed, pages must format without warnings (a few:
	// they all come from one generator, and groff takes ~0.1 s a page).
	if groff, err := exec.LookPath("groff"); err == nil {
		for _, name := range []string{"pfsnotify.1", "pfsnotify-doctor.1", "pfsnotify-registration-add.1"} {
			f := filepath.Join(dir, name)
			if out, err := exec.Command(groff, "-man", "-z", "-ww", "-Wbreak", f).CombinedOutput(); err != nil || len(out) > 0 {
				t.Errorf("groff -man %s: %v\n%s", filepath.Base(f), err, out)
			}
		}
	}
	if code := run([]string{"man"}, &stdout, &stderr, nil); code != 2 {
		t.Errorf("man without DIR: exit %d; want 2", code)
	}
}
