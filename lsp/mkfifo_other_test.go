//go:build !unix

package lsp_test

import "errors"

func mkfifo(string) error { return errors.New("no FIFOs here") }
