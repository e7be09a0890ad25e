package lsp

import (
	"context"
	"encoding/json"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/diagnostics/safefile"
	"github.com/keyguard/keyguard/envscan"
)

// Diagnostics for the workspace's .env files that the editor has not open.
//
// A .env file is where keys belong, and it is rarely open: a Problems panel
// that only knew open files would be empty right after "Check .env keys"
// said two keys are invalid. So at startup, after every check and whenever
// a watched file changes, the server lists the .env* files of the
// workspace folders, runs hygiene on each one that is not open, and
// publishes the result with the verdicts it knows; a file that is fixed,
// deleted or opened (the open document then speaks for itself) is cleared.

// envFiles is the server's state for unopened .env files (Server.envs).
type envFiles struct {
	// run serialises refreshes: two at once would publish out of order.
	run sync.Mutex
	// disk is what was published per unopened .env file (by URI), under
	// Server.mu.
	disk  map[string]*diskEnv
	timer *time.Timer // a pending debounced refresh, under Server.mu
}

type diskEnv struct {
	path string
	a    analysis
}

// Bounds of the listing: a workspace is a user's directory, but it may be
// a home directory or a monorepo.
const (
	maxEnvFiles      = 200
	maxEnvWalkDirs   = 20000
	maxEnvWalkDepth  = 24
	envRefreshDelay  = 150 * time.Millisecond
	watcherID        = "keyguard-watched-files"
	methodRegister   = "client/registerCapability"
	methodDidWatched = "workspace/didChangeWatchedFiles"
)

// Directories that hold other people's files (dependencies, caches, build
// output): their .env files are not the user's to fix, and walking them is
// most of the cost.
var envSkipDirs = map[string]bool{
	".git": true, ".hg": true, ".svn": true, ".jj": true,
	"node_modules": true, "bower_components": true, ".venv": true, "venv": true, "__pycache__": true,
	".tox": true, ".mypy_cache": true, ".pytest_cache": true, ".gradle": true, ".cache": true,
	".next": true, ".nuxt": true, ".svelte-kit": true, "dist": true, "build": true, "target": true,
	"vendor": true, ".terraform": true,
}

// isDotenvName tells .env files a person edits: real ones (.env, .env.local
// …) and their committed templates (.env.example …), whose hygiene says
// when a real key slipped in.
func isDotenvName(name string) bool {
	base := strings.ToLower(filepath.Base(filepath.ToSlash(name)))
	return diagnostics.IsEnvFile(base) || base == ".env.example" || base == ".env.sample" ||
		base == ".env.template" || base == ".env.dist" || base == ".env.defaults"
}

// listEnvFiles walks the roots for .env files, skipping symlinks,
// dependency directories and paths matched by the `ignore` setting.
// exclude is called without the lock held.
func listEnvFiles(ctx context.Context, roots []string, exclude func(path, root string) bool) []string {
	var out []string
	dirs := 0
	for _, root := range roots {
		_ = filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
			if err != nil || ctx.Err() != nil {
				if path == root || ctx.Err() != nil {
					return filepath.SkipDir
				}
				return nil
			}
			if e.Type()&fs.ModeSymlink != 0 {
				return nil // never followed
			}
			if e.IsDir() {
				if path == root {
					return nil
				}
				dirs++
				rel, _ := filepath.Rel(root, path)
				if envSkipDirs[e.Name()] || dirs > maxEnvWalkDirs || strings.Count(rel, string(filepath.Separator)) >= maxEnvWalkDepth ||
					exclude(path, root) {
					return filepath.SkipDir
				}
				return nil
			}
			if e.Type().IsRegular() && isDotenvName(e.Name()) && !exclude(path, root) {
				out = append(out, path)
				if len(out) >= maxEnvFiles {
					return filepath.SkipAll
				}
			}
			return nil
		})
		if len(out) >= maxEnvFiles {
			break
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// workspaceEnvFiles lists the workspace's .env files. Called without s.mu.
func (s *Server) workspaceEnvFiles(ctx context.Context) []string {
	s.mu.Lock()
	roots := s.roots()
	s.mu.Unlock()
	return listEnvFiles(ctx, roots, func(path, root string) bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.ignored(path, root)
	})
}

// scheduleEnvRefresh lists and republishes the workspace's .env files after
// a short pause (a `git checkout` changes many files at once). Called with
// s.mu held.
func (s *Server) scheduleEnvRefresh(reason string) {
	if s.envs.timer != nil {
		s.envs.timer.Stop()
	}
	s.envs.timer = time.AfterFunc(envRefreshDelay, func() {
		if s.bg == nil || s.bg.Err() != nil {
			return
		}
		s.goSafe("refresh .env files", func() { s.refreshEnvFiles(s.bg, nil, reason) })
	})
}

// refreshEnvFiles publishes diagnostics for the .env files that are not
// open: paths, or (nil) every .env file of the workspace, clearing those
// published before that are gone. It runs the analysis (hygiene's git
// processes) without s.mu.
func (s *Server) refreshEnvFiles(ctx context.Context, paths []string, reason string) {
	s.envs.run.Lock()
	defer s.envs.run.Unlock()
	full := paths == nil
	if full {
		paths = s.workspaceEnvFiles(ctx)
	}
	s.log.Debug("refreshing .env files", "files", len(paths), "reason", reason)
	seen := map[string]bool{}
	for _, p := range paths {
		if ctx.Err() != nil {
			return
		}
		u := pathToURI(p)
		seen[u] = true
		s.mu.Lock()
		skip := s.state != stateInitialized || s.docs[u] != nil
		s.mu.Unlock()
		if skip {
			continue
		}
		// Read without the lock; a document opened meanwhile wins below.
		data, err := safefile.ReadNoFollow(p, safefile.DefaultMax)
		if err != nil {
			s.forgetDiskEnv(u)
			continue
		}
		s.mu.Lock()
		sn := s.snapshotOf(&document{uri: u, path: p, env: true, text: data})
		s.mu.Unlock()

		a := s.analyze(sn)

		s.mu.Lock()
		if s.state == stateInitialized && s.docs[u] == nil {
			if s.envs.disk == nil {
				s.envs.disk = map[string]*diskEnv{}
			}
			s.envs.disk[u] = &diskEnv{path: p, a: a}
			s.notify("textDocument/publishDiagnostics", PublishDiagnosticsParams{URI: u, Diagnostics: s.buildDiagnostics(a)})
		}
		s.mu.Unlock()
	}
	if !full {
		return
	}
	s.mu.Lock()
	var gone []string
	for u := range s.envs.disk {
		if !seen[u] {
			gone = append(gone, u)
		}
	}
	s.mu.Unlock()
	for _, u := range gone {
		s.forgetDiskEnv(u)
	}
}

// forgetDiskEnv clears an unopened .env file's diagnostics (deleted,
// unreadable, no longer listed). An open document's are its own.
func (s *Server) forgetDiskEnv(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.envs.disk[u]; !ok {
		return
	}
	delete(s.envs.disk, u)
	if s.docs[u] == nil {
		s.notify("textDocument/publishDiagnostics", PublishDiagnosticsParams{URI: u, Diagnostics: []Diagnostic{}})
	}
}

// diskEnvVerdictLocked republishes the unopened .env files holding a
// freshly probed key and names them in the probeResult note. Called with
// s.mu held (from recordVerdict).
func (s *Server) diskEnvVerdictLocked(fp string, note *ProbeResultParams) {
	for u, de := range s.envs.disk {
		if s.docs[u] != nil {
			continue
		}
		held := false
		for _, kv := range de.a.keys {
			if diagnostics.Fingerprint(kv.Request.Key) == fp {
				held = true
				note.Locations = append(note.Locations, ProbeLocation{URI: u, Line: kv.Var.Line, Var: kv.Var.Name})
			}
		}
		if held {
			s.notify("textDocument/publishDiagnostics", PublishDiagnosticsParams{URI: u, Diagnostics: s.buildDiagnostics(de.a)})
		}
	}
}

// envDocumentClosed hands a closed .env file back to the disk view: the
// Problems panel keeps showing what is wrong with it. Called with s.mu
// held; true when it did (and the caller must not clear).
func (s *Server) envDocumentClosed(d *document) bool {
	if d.path == "" || !isDotenvName(d.path) || !s.inWorkspace(d.path) {
		return false
	}
	p := d.path
	s.goSafe("refresh closed .env", func() { s.refreshEnvFiles(s.bg, []string{p}, "closed") })
	return true
}

func (s *Server) inWorkspace(path string) bool {
	for _, r := range s.roots() {
		if path == r || strings.HasPrefix(path, r+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// --- watching .gitignore and .env files ---------------------------------------

// registerWatchers asks the client to watch the files whose changes alter
// diagnostics without being open: .gitignore (a .env's env-not-ignored) and
// the .env files themselves. Only with dynamic registration: a static
// client-side watch cannot be asked for. Runs in its own goroutine (it
// waits on the client).
func (s *Server) registerWatchers() {
	params := map[string]any{"registrations": []map[string]any{{
		"id":     watcherID,
		"method": methodDidWatched,
		"registerOptions": map[string]any{"watchers": []map[string]any{
			{"globPattern": "**/.gitignore"},
			{"globPattern": "**/.env"},
			{"globPattern": "**/.env.*"},
			{"globPattern": "**/.git/info/exclude"},
		}},
	}}}
	if err := s.call(s.bg, methodRegister, params, nil); err != nil {
		s.log.Warn("the client did not register file watchers; .gitignore changes are seen on save only", "err", err.Error())
	}
}

// didChangeWatchedFiles re-evaluates what the changed files decide:
// a .gitignore (or .git/info/exclude) change re-runs every open .env's
// hygiene (env-not-ignored asks git), and any change republishes the
// unopened .env files.
func (s *Server) didChangeWatchedFiles(_ context.Context, raw json.RawMessage) (any, error) {
	var p struct {
		Changes []struct {
			URI  string `json:"uri"`
			Type int    `json:"type"`
		} `json:"changes"`
	}
	if err := unmarshalParams(raw, &p); err != nil {
		return nil, err
	}
	ignoreChanged, envChanged := false, false
	for _, c := range p.Changes {
		base := baseOfURI(c.URI)
		switch {
		case base == ".gitignore" || strings.HasSuffix(c.URI, "/.git/info/exclude"):
			ignoreChanged = true
		case isDotenvName(base):
			envChanged = true
		}
	}
	if ignoreChanged {
		s.ignoreRulesChangedLocked("watched file")
	} else if envChanged {
		s.scheduleEnvRefresh("watched file")
	}
	return nil, nil
}

// ignoreRulesChangedLocked re-runs hygiene for every .env document and
// file. Called with s.mu held.
func (s *Server) ignoreRulesChangedLocked(reason string) {
	for _, d := range s.docs {
		if d.env {
			s.schedule(d, 0)
		}
	}
	s.scheduleEnvRefresh(reason)
}

// gitignoreSaved: a client without file watchers still saves the
// .gitignore it edited. Called with s.mu held.
func (s *Server) gitignoreSaved(d *document) {
	if d.path != "" && filepath.Base(d.path) == ".gitignore" {
		s.ignoreRulesChangedLocked("saved .gitignore")
	}
}

// keysToProbe are the keys of a .env file that probes check: none in a
// committed template (.env.example), whose real key is reported by
// hygiene (key-in-example) and must be rotated whatever a probe says — and
// is not sent anywhere on the say-so of a file meant for everyone.
func keysToProbe(f *envscan.File) []envscan.KeyVar {
	if !diagnostics.IsEnvFile(f.Path) {
		return nil
	}
	return envscan.KeysToProbe(f, nil)
}

// templateIssues drops from a template's (.env.example) hygiene what is
// normal there: an empty value is the template saying "set this".
func templateIssues(path string, issues []envscan.Issue) []envscan.Issue {
	if diagnostics.IsEnvFile(path) {
		return issues
	}
	return slices.DeleteFunc(issues, func(is envscan.Issue) bool { return is.Check == envscan.CheckEmptyValue })
}
