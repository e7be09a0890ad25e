//go:build !unix

package main

import "os"

// maxRSSKB is not measured off unix.
func maxRSSKB(*os.ProcessState) int64 { return 0 }
