package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

func runVersion(_ []string, stdout, _ io.Writer) int {
	v := version
	if v == "dev" {
		if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
	}
	fmt.Fprintf(stdout, "keyguard %s %s/%s %s\n", v, runtime.GOOS, runtime.GOARCH, runtime.Version())
	return 0
}
