package main

import (
	"fmt"
	"io"
)

// STUB: replaced by the scan implementation.
func runScan(_ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "keyguard scan: not built yet")
	return 2
}
