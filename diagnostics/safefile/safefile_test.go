package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/keyguard/keyguard/diagnostics/safefile/fifotest"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "reg")
	if err := os.WriteFile(reg, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 100), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(reg, link); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if runtime.GOOS != "windows" {
		fifotest.Make(t, fifo)
	}
	tests := []struct {
		name     string
		path     string
		max      int64
		noFollow bool
		want     string
		err      error
	}{
		{"regular", reg, 10, false, "hello\n", nil},
		{"no cap", reg, 0, false, "hello\n", nil},
		{"too large", big, 10, false, "", ErrTooLarge},
		{"exactly cap", big, 100, false, string(make([]byte, 100)), nil},
		{"symlink followed", link, 10, false, "hello\n", nil},
		{"symlink refused", link, 10, true, "", ErrSymlink},
		{"dev zero", zero, 10, false, "", ErrNotRegular},
		{"fifo", fifo, 10, false, "", ErrNotRegular},
		{"directory", dir, 10, false, "", ErrNotRegular},
		{"missing", filepath.Join(dir, "nope"), 10, false, "", os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var got []byte
			var err error
			go func() {
				defer close(done)
				if tt.noFollow {
					got, err = ReadNoFollow(tt.path, tt.max)
				} else {
					got, err = Read(tt.path, tt.max)
				}
			}()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Read blocked")
			}
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestNoSymlinkBelow(t *testing.T) {
	root := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "a", "b"), 0o755))
	must(os.WriteFile(filepath.Join(root, "a", "b", ".env"), nil, 0o644))
	must(os.WriteFile(filepath.Join(root, "notes.md"), nil, 0o644))
	must(os.Symlink(filepath.Join(root, "notes.md"), filepath.Join(root, "a", ".env")))
	must(os.Symlink(filepath.Join(root, "a", "b"), filepath.Join(root, "linkdir")))
	must(os.Mkdir(filepath.Join(root, "dir.env"), 0o755))
	tests := []struct {
		path string
		want string // "" ok, else a substring of the error
	}{
		{"a/b/.env", ""},
		{"a/b/new/.env", ""},
		{"a/.env", "symbolic link"},
		{"linkdir/.env", "symbolic link"},
		{"dir.env", "not a regular file"},
		{"../x", "outside"},
		{"notes.md/x", "not a directory"},
	}
	for _, tt := range tests {
		err := NoSymlinkBelow(root, filepath.Join(root, tt.path))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.path, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: err = %v, want %q", tt.path, err, tt.want)
		}
	}
}
