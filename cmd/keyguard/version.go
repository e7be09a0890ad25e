package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// commit is set at build time by scripts/release with -ldflags
// "-X main.commit=…"; a plain `go build` in a checkout gets it from the VCS
// stamp Go embeds (vcs.revision), so a dev build still says what it is.
var commit = ""

// versionInfo is what `keyguard version` prints and the SARIF driver names.
type versionInfo struct {
	Version, Commit, Go, Platform string
	Modified                      bool
}

func currentVersion() versionInfo {
	v := versionInfo{Version: version, Commit: commit, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if v.Version == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v.Version = info.Main.Version // go install …@vX.Y.Z
	}
	if v.Commit == "" {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Commit = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	return v
}

// String is one line: "keyguard 0.1.0 (commit 0123abcd, go1.26.8, linux/amd64)".
func (v versionInfo) String() string {
	c := v.Commit
	if len(c) > 12 {
		c = c[:12]
	}
	if c == "" {
		c = "unknown"
	}
	if v.Modified {
		c += "+dirty"
	}
	return fmt.Sprintf("keyguard %s (commit %s, %s, %s)", v.Version, c, v.Go, v.Platform)
}

func runVersion(_ []string, stdout, _ io.Writer) int {
	fmt.Fprintln(stdout, currentVersion())
	return 0
}
