package main

import (
	"fmt"
	"io"
)

// STUB: replaced by the lsp implementation.
func runLSP(_ []string, _, stderr io.Writer) int {
	fmt.Fprintln(stderr, "keyguard lsp: not built yet")
	return 2
}
