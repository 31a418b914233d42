// Package buildinfo says which pfsnotify this is: its version, the commit
// it was built from, when, and with which Go. The Go toolchain stamps the
// module version and the commit (vcs.revision, vcs.time, vcs.modified) into
// every binary built in a checkout; runtime/debug.ReadBuildInfo reads them.
//
// A build date is not stamped by Go (builds are reproducible); a packager
// who wants one sets it at link time:
//
//	go build -ldflags "-X github.com/pfsnotify/pfsnotify/pkg/buildinfo.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)" ./cmd/pfsnotify
//
// Without it, Date is the commit's date.
package buildinfo

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// buildDate is set by the linker (-X), the one way a Go build can carry a
// build date; it is read, never written, by this package.
var buildDate string

// Info is what a binary knows about its own build.
type Info struct {
	Version   string `json:"version"`   // module version: a tag, a pseudo-version, or "(devel)"
	Commit    string `json:"commit"`    // vcs.revision, "unknown" when not built from a checkout
	Date      string `json:"date"`      // the link-time build date, else the commit's date (RFC 3339), else "unknown"
	GoVersion string `json:"go"`        // the toolchain that built it, "go1.26.8"
	Modified  bool   `json:"modified"`  // built from a checkout with uncommitted changes
	Source    string `json:"date_from"` // "build" or "commit": where Date comes from
}

// Read returns this binary's build information.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	return fromBuildInfo(bi, ok, buildDate)
}

func fromBuildInfo(bi *debug.BuildInfo, ok bool, linkDate string) Info {
	info := Info{Version: "(devel)", Commit: "unknown", Date: "unknown", GoVersion: "unknown"}
	if !ok || bi == nil {
		if linkDate != "" {
			info.Date, info.Source = linkDate, "build"
		}
		return info
	}
	info.GoVersion = bi.GoVersion
	if v := bi.Main.Version; v != "" {
		info.Version = v
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Commit = s.Value
		case "vcs.time":
			info.Date, info.Source = s.Value, "commit"
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	if linkDate != "" {
		info.Date, info.Source = linkDate, "build"
	}
	return info
}

// ShortCommit is the first 12 characters of the commit, with "+dirty"
// when the checkout was modified.
func (i Info) ShortCommit() string {
	c := i.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	if i.Modified {
		c += "+dirty"
	}
	return c
}

// String is one line for people: "pfsnotify v1.2.0 (commit 979d574abcde,
// 2026-12-07T08:00:00Z, go1.26.8)".
func (i Info) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pfsnotify %s (commit %s, ", i.Version, i.ShortCommit())
	switch i.Source {
	case "build":
		fmt.Fprintf(&b, "built %s, ", i.Date)
	case "commit":
		fmt.Fprintf(&b, "committed %s, ", i.Date)
	}
	fmt.Fprintf(&b, "%s)", i.GoVersion)
	return b.String()
}

// Collector is the pfsnotify_build_info gauge: always 1, with the version,
// commit and Go version as labels, the way Prometheus exporters say what
// they are.
func (i Info) Collector() prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "pfsnotify", Name: "build_info",
		Help: "Which pfsnotify this is: 1, labelled with its version, commit and Go version.",
		ConstLabels: prometheus.Labels{
			"version": i.Version, "commit": i.Commit, "goversion": i.GoVersion,
		},
	})
	g.Set(1)
	return g
}
