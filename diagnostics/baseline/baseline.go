// Package baseline records findings a team has accepted (keys already
// rotated, test fixtures) so that a scan reports only new ones: the way to
// adopt keyguard in CI on a repository with an old history.
//
// A baseline file holds fingerprints and places, never keys, not even
// masked ones: it is meant to be committed.
package baseline

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/diagnostics/safefile"
)

// Version of the file format.
const Version = 1

// Entry is one accepted finding.
type Entry struct {
	Fingerprint string `json:"fingerprint"`
	Path        string `json:"path"`
	Line        int    `json:"line"`
	Rule        string `json:"rule"`
	Commit      string `json:"commit,omitempty"`
}

// File is a baseline file.
type File struct {
	Version  int     `json:"version"`
	Tool     string  `json:"tool"`
	Findings []Entry `json:"findings"`
}

// Baseline answers whether a finding was accepted.
type Baseline struct {
	places map[place]bool
}

// A finding matches an entry with the same key fingerprint and path: lines
// move as the file is edited, and a commit is not a place (the same key in
// the same file, found by a later history scan, is the same exposure).
type place struct{ fingerprint, path string }

// MaxSize caps a baseline file: some hundred thousand findings, far more
// than any real one.
const MaxSize = 64 << 20

// Load reads a baseline file. It is usually committed, so a pull request
// may have made it a FIFO, a link to /dev/zero or a huge file: it is read
// only if it is a regular file within MaxSize, without blocking.
func Load(path string) (*Baseline, error) {
	data, err := safefile.Read(path, MaxSize)
	if err != nil {
		return nil, err
	}
	var f File
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s is not a keyguard baseline: %v", path, err)
	}
	if f.Version != Version {
		return nil, fmt.Errorf("%s: baseline version %d, this keyguard reads version %d", path, f.Version, Version)
	}
	b := &Baseline{places: map[place]bool{}}
	for _, e := range f.Findings {
		if len(e.Fingerprint) != 16 {
			return nil, fmt.Errorf("%s: entry for %s:%d has no valid fingerprint", path, e.Path, e.Line)
		}
		b.places[place{e.Fingerprint, filepath.ToSlash(e.Path)}] = true
	}
	return b, nil
}

// Contains reports whether f is accepted by the baseline.
func (b *Baseline) Contains(f diagnostics.Finding) bool {
	return b != nil && b.places[place{f.Fingerprint, filepath.ToSlash(f.Path)}]
}

// Write writes a baseline of fs (with the commit of each, "" for the
// working tree) to path, atomically: a reader never sees half a file.
func Write(path string, fs []diagnostics.Finding, commits []string) error {
	if len(commits) != 0 && len(commits) != len(fs) {
		return errors.New("baseline: commits and findings differ in length")
	}
	f := File{Version: Version, Tool: "keyguard", Findings: []Entry{}}
	seen := map[Entry]bool{}
	for i, x := range fs {
		e := Entry{Fingerprint: x.Fingerprint, Path: filepath.ToSlash(x.Path), Line: x.Line, Rule: x.Rule}
		if len(commits) > 0 {
			e.Commit = commits[i]
		}
		if !seen[e] {
			seen[e] = true
			f.Findings = append(f.Findings, e)
		}
	}
	sort.Slice(f.Findings, func(i, j int) bool {
		a, b := f.Findings[i], f.Findings[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Fingerprint < b.Fingerprint
	})
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".keyguard-baseline-*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(append(data, '\n'))
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
	}
	return werr
}
