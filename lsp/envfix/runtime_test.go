package envfix_test

// TestRuntime is the test that proves the move-to-env fix: for every
// project in testdata/runtime it runs the program, applies the fix through
// the language server the way an editor does, runs the fixed program the
// way the project starts (with its own .env loader, or with .env exported
// where the project has none and the fix said so) and compares what it
// prints: a masked form of the key it uses. Then it runs the fixed program
// once more without the variable, which must fail loudly rather than send
// an empty key: exit non-zero and name the variable on stderr.
//
// A case is a txtar archive whose comment holds "field: value" lines:
//
//	file:   the document to fix (default: the first file)
//	run:    the shell command that starts the project (bash -c, in dir)
//	dir:    where run starts, relative to the archive root (default ".")
//	loader: project — run as is: the project's loader (or the one the fix
//	        adds) must load .env; none — the title must say nothing loads
//	        .env, and the run gets .env exported (set -a; . ./.env)
//	expect: fix (default) or nofix — no move fix may be offered (a constant
//	        context); then only the title-less checks run
//	loud:   no — the language has no idiomatic fail-fast lookup here (no
//	        case uses it today: every language's lookup fails loudly)
//	needs:  binaries the run needs; "node_modules" links the test-local
//	        npm packages (scripts/test-deps installs them)
//	title:  a substring the fix's title must hold
//	once:   a substring the fixed file must hold exactly once (a helper
//	        the fix adds once per file, not again on a second fix)
//
// Locally a missing runtime skips its cases; under CI=true it fails.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/envscan"
	"github.com/keyguard/keyguard/lsp"
	"github.com/keyguard/keyguard/lsp/envfix"
	. "github.com/keyguard/keyguard/lsp/lsptest"
)

type runCase struct {
	name, lang string
	file, run  string
	dir        string
	loader     string
	expect     string
	loud       bool
	needs      []string
	title      string
	once       string
	archive    string
}

func loadRunCases(t *testing.T) []runCase {
	t.Helper()
	paths, err := filepath.Glob("testdata/runtime/*/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no runtime cases: %v", err)
	}
	var out []runCase
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ar := txtar.Parse(data)
		c := runCase{
			name:    strings.TrimSuffix(filepath.Base(p), ".txtar"),
			lang:    filepath.Base(filepath.Dir(p)),
			dir:     ".",
			loader:  "project",
			expect:  "fix",
			loud:    true,
			archive: string(data),
		}
		if len(ar.Files) > 0 {
			c.file = ar.Files[0].Name
		}
		for _, line := range strings.Split(string(ar.Comment), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			v = strings.TrimSpace(v)
			switch strings.TrimSpace(k) {
			case "file":
				c.file = v
			case "run":
				c.run = v
			case "dir":
				c.dir = v
			case "loader":
				c.loader = v
			case "expect":
				c.expect = v
			case "loud":
				c.loud = v != "no"
			case "needs":
				c.needs = strings.Fields(v)
			case "title":
				c.title = v
			case "once":
				c.once = v
			}
		}
		if c.run == "" && c.expect == "fix" {
			t.Fatalf("%s: no run: line", p)
		}
		out = append(out, c)
	}
	return out
}

// nodeModules is the test-local npm install (dotenv, typescript,
// @types/node) that scripts/test-deps makes.
func nodeModules() string {
	if d := os.Getenv("KEYGUARD_NODE_MODULES"); d != "" {
		return d
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "keyguard-runtest", "node_modules")
}

// languageIDs: what VS Code calls the languages lsptest does not know.
var languageIDs = map[string]string{
	".py": "python", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".ts": "typescript",
	".tsx": "typescriptreact", ".jsx": "javascriptreact", ".go": "go", ".java": "java", ".kt": "kotlin",
	".cs": "csharp", ".rb": "ruby", ".php": "php", ".rs": "rust", ".lua": "lua", ".R": "r", ".r": "r",
	".ex": "elixir", ".exs": "elixir", ".sh": "shellscript", ".yml": "yaml", ".yaml": "yaml",
}

// tally is the per-language result table the test logs (docs/quickfix.md).
type tally struct {
	mu   sync.Mutex
	rows map[string]*[3]int // files, passed, skipped
}

func (ta *tally) add(lang string, passed, skipped bool) {
	ta.mu.Lock()
	defer ta.mu.Unlock()
	r := ta.rows[lang]
	if r == nil {
		r = &[3]int{}
		ta.rows[lang] = r
	}
	r[0]++
	if passed {
		r[1]++
	}
	if skipped {
		r[2]++
	}
}

func (ta *tally) table() string {
	var langs []string
	for l := range ta.rows {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	var b strings.Builder
	b.WriteString("| language | files | pass | skipped |\n|---|---|---|---|\n")
	var tot [3]int
	for _, l := range langs {
		r := ta.rows[l]
		fmt.Fprintf(&b, "| %s | %d | %d | %d |\n", l, r[0], r[1], r[2])
		for i := range tot {
			tot[i] += r[i]
		}
	}
	fmt.Fprintf(&b, "| **all** | %d | %d | %d |\n", tot[0], tot[1], tot[2])
	return b.String()
}

func TestRuntime(t *testing.T) {
	if testing.Short() {
		t.Skip("runs compilers and interpreters")
	}
	cases := loadRunCases(t)
	ta := &tally{rows: map[string]*[3]int{}}
	t.Cleanup(func() {
		t.Logf("runtime corpus:\n%s", ta.table())
		if p := os.Getenv("KEYGUARD_RUNTEST_TABLE"); p != "" {
			_ = os.WriteFile(p, []byte(ta.table()), 0o644)
		}
	})
	for _, c := range cases {
		t.Run(c.lang+"/"+c.name, func(t *testing.T) {
			t.Parallel()
			passed := false
			defer func() { ta.add(c.lang, passed, t.Skipped()) }()
			runOne(t, c)
			passed = !t.Failed() && !t.Skipped()
		})
	}
}

func runOne(t *testing.T, c runCase) {
	for _, bin := range c.needs {
		if bin == "node_modules" {
			if st, err := os.Stat(nodeModules()); err != nil || !st.IsDir() {
				envfix.MissingTool(t, "npm packages in "+nodeModules()+" (scripts/test-deps)")
			}
			continue
		}
		if _, err := exec.LookPath(bin); err != nil {
			envfix.MissingTool(t, bin)
		}
	}
	caps := ModernCapabilities()
	caps["textDocument"].(map[string]any)["codeAction"].(map[string]any)["disabledSupport"] = true
	env := New(t, c.archive, WithCapabilities(caps))
	dir := filepath.Join(env.Dir, filepath.FromSlash(c.dir))
	if slicesContains(c.needs, "node_modules") {
		if err := os.Symlink(nodeModules(), filepath.Join(dir, "node_modules")); err != nil {
			t.Fatal(err)
		}
	}
	key := keyIn(t, c.archive)
	mask := key[:6] + "..." + key[len(key)-4:]

	var before string
	if c.expect == "fix" {
		out, err := runIn(t, dir, c.run, nil)
		if err != nil || !strings.Contains(out, mask) {
			t.Fatalf("the original program does not print its masked key %s (err %v):\n%s", mask, err, out)
		}
		before = out
	}

	env.Initialize()
	uri := env.URI(c.file)
	env.OpenURI(uri, languageIDs[filepath.Ext(c.file)], env.ReadFile(c.file))
	env.Await(Diagnostics(c.file))
	var diag *lsp.Diagnostic
	for _, d := range env.Diagnostics(c.file) {
		if d.Code == string(diagnostics.CodeHardcodedKey) || d.Code == string(diagnostics.CodeClientSideKey) {
			diag = &d
			break
		}
	}
	if diag == nil {
		t.Fatalf("no key diagnostic in %s: %+v", c.file, env.Diagnostics(c.file))
	}
	acts := env.CodeActions(c.file, diag.Range)
	var move *lsp.CodeAction
	for i, a := range acts {
		if strings.HasPrefix(a.Title, lsp.MoveTitlePrefix) {
			move = &acts[i]
			break
		}
	}
	if c.expect == "nofix" {
		if move != nil {
			t.Fatalf("a move fix is offered in a constant context: %q", move.Title)
		}
		// The user is told why (a disabled action with the reason).
		for _, a := range acts {
			if a.Disabled != nil && a.Disabled.Reason != "" {
				t.Logf("%s: %s", a.Title, a.Disabled.Reason)
				return
			}
		}
		t.Fatalf("no disabled action says why the key cannot move: %+v", acts)
	}
	if move == nil {
		t.Fatalf("no move-to-env fix; actions: %+v\nserver log:\n%s", acts, env.Log())
	}
	if !move.IsPreferred {
		t.Errorf("the move fix is not preferred")
	}
	saysNotLoaded := strings.Contains(move.Title, "nothing loads .env")
	switch {
	case c.loader == "none" && !saysNotLoaded:
		t.Errorf("title %q does not say that nothing loads .env", move.Title)
	case c.loader != "none" && saysNotLoaded:
		t.Errorf("title %q says nothing loads .env, but the project does", move.Title)
	}
	if c.title != "" && !strings.Contains(move.Title, c.title) {
		t.Errorf("title %q does not contain %q", move.Title, c.title)
	}
	if move.Edit == nil {
		var resolved lsp.CodeAction
		if err := env.Call("codeAction/resolve", move, &resolved); err != nil {
			t.Fatal(err)
		}
		move = &resolved
	}
	env.ApplyEdit(move.Edit)
	env.Save(c.file)
	fixed := env.ReadFile(c.file)
	if strings.Contains(fixed, key) {
		t.Fatalf("the key is still in %s:\n%s", c.file, fixed)
	}
	if n := strings.Count(fixed, c.once); c.once != "" && n != 1 {
		t.Errorf("%q is in the fixed %s %d times, want once:\n%s", c.once, c.file, n, fixed)
	}

	envFile := envPathFor(t, env, c)
	dotenv, err := os.ReadFile(envFile)
	if err != nil {
		t.Fatalf("no .env written: %v", err)
	}
	var exported map[string]string
	if c.loader == "none" {
		exported = map[string]string{}
		for _, v := range envscan.Parse(".env", dotenv).Vars {
			exported[v.Name] = v.Value
		}
	}
	after, err := runIn(t, dir, c.run, exported)
	if err != nil || after != before {
		t.Fatalf("the fixed program does not behave the same (err %v)\nbefore:\n%s\nafter:\n%s\n--- %s:\n%s\n--- .env:\n%s",
			err, before, after, c.file, fixed, maskAll(string(dotenv), key, mask))
	}
	if !c.loud {
		return
	}
	// Without the variable (an empty .env, so that no loader walks up to
	// some other folder's, and nothing exported) the program must stop
	// rather than run with an empty key.
	if err := os.WriteFile(envFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := runFull(t, dir, c.run, nil)
	if err == nil {
		t.Errorf("without the variable the fixed program still exits 0:\n%s\n--- %s:\n%s", out, c.file, fixed)
	}
	if strings.Contains(out, mask) || strings.Contains(stderr, mask) {
		t.Errorf("without .env the program still prints the key")
	}
	// Failing loudly means saying what is missing: the message names the
	// variable, so the user knows what to set.
	name := varFor(t, dotenv, key)
	if err != nil && !strings.Contains(stderr, name) {
		t.Errorf("without the variable the program fails without naming %s on stderr:\n%s\n--- %s:\n%s", name, out, c.file, fixed)
	}
}

// varFor is the variable the fix saved the key under in .env.
func varFor(t *testing.T, dotenv []byte, key string) string {
	t.Helper()
	for _, v := range envscan.Parse(".env", dotenv).Vars {
		if v.Value == key {
			return v.Name
		}
	}
	t.Fatalf("no variable in .env holds the key")
	return ""
}

func maskAll(s, key, mask string) string { return strings.ReplaceAll(s, key, mask) }

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// envPathFor finds the .env the fix wrote: the nearest one from the
// document's folder up.
func envPathFor(t *testing.T, env *Env, c runCase) string {
	t.Helper()
	d := filepath.Dir(env.Path(c.file))
	for {
		p := filepath.Join(d, ".env")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if d == env.Dir || len(d) <= len(env.Dir) {
			t.Fatalf("no .env above %s", c.file)
		}
		d = filepath.Dir(d)
	}
}

// keyIn is the one template key the archive holds.
func keyIn(t *testing.T, archive string) string {
	t.Helper()
	for name, k := range Keys {
		if strings.Contains(archive, "{{"+name+"}}") {
			return k
		}
	}
	t.Fatal("the archive holds no {{key}} template")
	return ""
}

// runEnv is the environment a run gets: this process's, minus every
// variable a key could come from, plus extra.
func runEnv(extra map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.Contains(name, "API_KEY") || strings.Contains(name, "TOKEN") || strings.HasSuffix(name, "_KEY") {
			continue
		}
		if _, ok := extra[name]; ok {
			continue
		}
		if name == "PATH" {
			kv = "PATH=" + filepath.Join(nodeModules(), ".bin") + string(os.PathListSeparator) + strings.TrimPrefix(kv, "PATH=")
		}
		out = append(out, kv)
	}
	// Go runs offline from the module cache.
	out = append(out, "GOFLAGS=-mod=mod", "GOPROXY=off", "GOTOOLCHAIN=local", "GOWORK=off")
	for k, v := range extra {
		out = append(out, k+"="+v)
	}
	return out
}

func runIn(t *testing.T, dir, command string, extra map[string]string) (string, error) {
	t.Helper()
	out, _, err := runFull(t, dir, command, extra)
	return out, err
}

// runFull runs command; out is stdout, with the end of stderr after it when
// the command fails, and stderr is all of it.
func runFull(t *testing.T, dir, command string, extra map[string]string) (out, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", command)
	cmd.Dir = dir
	cmd.Env = runEnv(extra)
	var outBuf, errBuf bytes.Buffer
	cmd.Stdout = &outBuf
	cmd.Stderr = &errBuf
	err = cmd.Run()
	if err != nil {
		return outBuf.String() + "\n[stderr]\n" + lastLines(errBuf.String(), 15), errBuf.String(), err
	}
	return outBuf.String(), errBuf.String(), nil
}

func lastLines(s string, n int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}
