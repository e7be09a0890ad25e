package lsp

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/keyguard/keyguard/diagnostics/history"
)

// historyIndex is what the repository's history says about keys: for each
// key fingerprint, the first commit that brought it. It is built once per
// workspace root, in the background, the first time a hover or a .env
// document asks; until then (and outside a repository) it knows nothing,
// and nothing waits for it.
type historyIndex struct {
	done  bool
	err   error
	first map[string]historyPlace // by key fingerprint
}

type historyPlace struct {
	commit, path string
	date         time.Time
}

// historyFor returns the index of the repository holding root, starting
// its scan if no one has. Indexes are kept per repository, not per root: a
// file outside every workspace folder has its own directory as root, and
// opening .env files in a hundred directories of one repository started a
// hundred scans of its whole history at once. Scans run one at a time.
// Called with s.mu held.
func (s *Server) historyFor(root string) *historyIndex {
	repo := s.historyRepo(root)
	if repo == "" {
		return nil
	}
	if s.histories == nil {
		s.histories = map[string]*historyIndex{}
		s.historySlot = make(chan struct{}, 1)
	}
	if h, ok := s.histories[repo]; ok {
		return h
	}
	h := &historyIndex{}
	s.histories[repo] = h
	slot := s.historySlot
	s.goSafe("history "+repo, func() {
		select {
		case slot <- struct{}{}:
			defer func() { <-slot }()
		case <-s.bg.Done():
			return
		}
		// One worker: this runs beside the editor, which must stay quick.
		res, err := history.Scan(s.bg, repo, history.Options{Workers: 1})
		first := map[string]historyPlace{}
		for _, f := range res.Findings { // oldest first
			if _, ok := first[f.Fingerprint]; ok {
				continue
			}
			t, _ := time.Parse(time.RFC3339, f.Date)
			first[f.Fingerprint] = historyPlace{commit: f.Commit, path: f.Path, date: t}
		}
		s.log.Debug("history indexed", "repo", repo, "keys", len(first), "commits", res.Stats.Commits, "ms", res.Stats.MS, "err", err)
		s.mu.Lock()
		defer s.mu.Unlock()
		h.done, h.err, h.first = true, err, first
		if s.state != stateInitialized {
			return
		}
		// Rotation reminders may now apply.
		for _, d := range s.docs {
			if d.env && d.scanned == d.gen && d.a.li != nil && s.historyRepo(s.rootFor(d)) == repo {
				s.publishLocked(d)
			}
		}
	})
	return h
}

// historyRepo is the work tree holding root (the nearest directory at or
// above it with a .git entry), "" outside any; cached, since it runs under
// the lock. Called with s.mu held.
func (s *Server) historyRepo(root string) string {
	if root == "" {
		return ""
	}
	if repo, ok := s.historyRepos[root]; ok {
		return repo
	}
	repo := ""
	for dir := root; ; {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			repo = dir
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if s.historyRepos == nil {
		s.historyRepos = map[string]string{}
	}
	s.historyRepos[root] = repo
	return repo
}

// historyLine is the hover's line about when a key was first committed.
// Called with s.mu held.
func (s *Server) historyLine(root, fp string) string {
	h := s.historyFor(root)
	switch {
	case h == nil:
		return ""
	case !h.done:
		return "- history: looking for this key in the repository's history…\n"
	case h.err != nil:
		return "" // not a repository, or git is missing: nothing to say
	}
	p, ok := h.first[fp]
	if !ok {
		return "- history: never committed\n"
	}
	return fmt.Sprintf("- first committed: `%s` on %s in %s — it is exposed: rotate it\n",
		p.commit[:min(12, len(p.commit))], p.date.Format("2006-01-02"), codeSpan(p.path))
}

// committedAge is how many days ago history first committed the key, if it
// did (and the index is ready). Called with s.mu held.
func (s *Server) committedAge(root, fp string) (days int, p historyPlace, ok bool) {
	h := s.historyFor(root)
	if h == nil || !h.done || h.err != nil {
		return 0, historyPlace{}, false
	}
	p, ok = h.first[fp]
	if !ok || p.date.IsZero() {
		return 0, historyPlace{}, false
	}
	return int(now().Sub(p.date).Hours() / 24), p, true
}

// historyRoot is the root whose history a document's keys are looked up
// in: its workspace root, and only for files on disk (an untitled buffer
// has no repository).
func (s *Server) historyRoot(d *document) string {
	if d.path == "" {
		return ""
	}
	return s.rootFor(d)
}
