package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestFromBuildInfo(t *testing.T) {
	stamped := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/pfsnotify/pfsnotify", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "979d574abcdef0123456789abcdef0123456789a"},
			{Key: "vcs.time", Value: "2026-12-07T08:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	tests := []struct {
		name     string
		bi       *debug.BuildInfo
		ok       bool
		linkDate string
		want     Info
		line     string
	}{
		{"stamped by go build", stamped, true, "",
			Info{Version: "v1.4.0", Commit: "979d574abcdef0123456789abcdef0123456789a", Date: "2026-12-07T08:00:00Z",
				GoVersion: "go1.26.8", Modified: true, Source: "commit"},
			"pfsnotify v1.4.0 (commit 979d574abcde+dirty, committed 2026-12-07T08:00:00Z, go1.26.8)"},
		{"build date from the linker", stamped, true, "2026-12-08T10:00:00Z",
			Info{Version: "v1.4.0", Commit: "979d574abcdef0123456789abcdef0123456789a", Date: "2026-12-08T10:00:00Z",
				GoVersion: "go1.26.8", Modified: true, Source: "build"},
			"pfsnotify v1.4.0 (commit 979d574abcde+dirty, built 2026-12-08T10:00:00Z, go1.26.8)"},
		{"no vcs (go run outside a checkout)", &debug.BuildInfo{GoVersion: "go1.26.8"}, true, "",
			Info{Version: "(devel)", Commit: "unknown", Date: "unknown", GoVersion: "go1.26.8"},
			"pfsnotify (devel) (commit unknown, go1.26.8)"},
		{"no build info at all", nil, false, "",
			Info{Version: "(devel)", Commit: "unknown", Date: "unknown", GoVersion: "unknown"},
			"pfsnotify (devel) (commit unknown, unknown)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fromBuildInfo(tt.bi, tt.ok, tt.linkDate)
			if got != tt.want {
				t.Errorf("got %+v; want %+v", got, tt.want)
			}
			if line := got.String(); line != tt.line {
				t.Errorf("got line %q; want %q", line, tt.line)
			}
		})
	}
}

func TestReadIsThisBinary(t *testing.T) {
	got := Read()
	if !strings.HasPrefix(got.GoVersion, "go") {
		t.Errorf("got Go version %q; want the toolchain's, go1.x", got.GoVersion)
	}
}

func TestCollector(t *testing.T) {
	info := Info{Version: "v1.4.0", Commit: "abc", GoVersion: "go1.26.8"}
	reg := prometheus.NewRegistry()
	reg.MustRegister(info.Collector())
	want := `# HELP pfsnotify_build_info Which pfsnotify this is: 1, labelled with its version, commit and Go version.
# TYPE pfsnotify_build_info gauge
pfsnotify_build_info{commit="abc",goversion="go1.26.8",version="v1.4.0"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "pfsnotify_build_info"); err != nil {
		t.Error(err)
	}
}
