package main

import (
	"fmt"
	"io"
)

// STUB: replaced by the check implementation.
func runCheck(_ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "keyguard check: not built yet")
	return 2
}
