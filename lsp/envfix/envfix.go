// Package envfix computes the "Move key to .env" quick fix: it replaces a
// hardcoded key literal with the language's environment lookup (adding the
// import that lookup needs), appends the key to .env under a fitting
// variable name, makes sure .env is git-ignored and leaves a placeholder in
// .env.example.
//
// It returns byte-offset edits only; the lsp package turns them into LSP
// TextEdits. Every rewrite either keeps the document parseable or fails with
// an error, so that the server never offers a fix that breaks the build.
package envfix

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/envscan"
)

// Request is everything needed to move one key out of a document.
type Request struct {
	LanguageID string // LSP languageId ("python", "javascriptreact", "go", "yaml", …)
	Path       string // document file path (language guess, compose/workflow detection)
	Content    []byte // document text
	Finding    diagnostics.Finding
	Env        []byte // current .env at the workspace root, nil if absent
	Gitignore  []byte // current .gitignore at the root, nil if absent
	EnvExample []byte // current .env.example, nil if absent
	// Project holds the package's manifests and entry points, from which
	// the fix learns whether (and how) the program loads .env.
	Project Project
}

// Edit replaces Content[Start:End] of one file with NewText. Offsets are
// bytes into that file's CURRENT content.
type Edit struct {
	Start, End int
	NewText    string
}

// FileChange is the change to one side file. Create means the file does not
// exist yet; its Edits then apply to empty content.
type FileChange struct {
	Create bool
	Edits  []Edit
}

// Plan is the whole fix. Source edits never overlap and are sorted by Start.
type Plan struct {
	VarName string
	Source  []Edit
	// nil = no change needed (the file already has what the fix needs).
	Env, Gitignore, EnvExample *FileChange
	// Reused is true when .env already held the key under VarName.
	Reused bool
	// Note explains what the user must still do by hand: for a GitHub
	// Actions workflow the secret belongs in the repository settings, not
	// in .env, so Env is nil and Note says where to put it.
	Note string
	// LoadedBy names what already loads .env for this program
	// ("python-dotenv", "the framework"); "" when nothing does.
	LoadedBy string
	// LoaderAdded names the loader whose call Source adds because nothing
	// loaded .env yet ("python-dotenv", "godotenv"); "" when none.
	LoaderAdded string
	// FromComment: the key was in a comment; Source takes it out (leaving
	// the variable's name) and .env keeps it.
	FromComment bool
	// Setup, when neither, is the one-line setup the user must still do
	// for the program to see .env (shown with the fix, never silently
	// left out).
	Setup string
}

// ErrUnsupported is wrapped by MoveToEnv's error when the document's language
// has no env-lookup rewrite (plain text, Markdown, generic YAML…).
var ErrUnsupported = errors.New("envfix: language not supported")

// ErrUnsafe is wrapped when the language is supported but this literal
// cannot be rewritten without risking code that no longer parses.
var ErrUnsafe = errors.New("envfix: cannot rewrite this literal safely")

func unsafef(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUnsafe}, args...)...)
}

// Supported reports whether MoveToEnv can handle documents of this language
// (by languageId, else by the path's extension). YAML counts only for
// docker-compose files and GitHub Actions workflows.
func Supported(languageID, path string) bool {
	return resolveLang(languageID, path, nil) != langNone
}

// MoveToEnv plans the fix for req.Finding.
func MoveToEnv(req Request) (Plan, error) {
	f := req.Finding
	if f.Start < 0 || f.End > len(req.Content) || f.Start >= f.End {
		return Plan{}, unsafef("key range %d..%d outside the document (%d bytes)", f.Start, f.End, len(req.Content))
	}
	if f.Key != "" && string(req.Content[f.Start:f.End]) != f.Key {
		// The document changed since the scan, or the key is written with
		// escapes: either way the bytes are not the key we would store.
		return Plan{}, unsafef("document text at the key range is not the key")
	}
	key := string(req.Content[f.Start:f.End])
	if strings.ContainsAny(key, "\r\n\x00") {
		return Plan{}, unsafef("key spans lines")
	}
	lang := resolveLang(req.LanguageID, req.Path, req.Content)
	if lang == langNone {
		return Plan{}, fmt.Errorf("%w: %q (%s)", ErrUnsupported, req.LanguageID, filepath.Base(req.Path))
	}

	var plan Plan
	if lang == langGitHubActions {
		// Secrets of a workflow live in the repository's settings; .env is
		// never read by the runner, so writing the key there would only
		// leave one more copy of it on disk.
		name := secretName(nameFor(f, req.Content))
		plan.VarName = name
		edits, err := rewriteYAML(req.Content, f.Start, f.End, "${{ secrets."+name+" }}")
		if err != nil {
			return Plan{}, err
		}
		plan.Source = edits
		plan.Note = fmt.Sprintf("Add the key as the repository secret %s (Settings → Secrets and variables → Actions, or `gh secret set %s`); GitHub Actions does not read .env.", name, name)
		return plan, nil
	}

	base := nameFor(f, req.Content)
	if lang == langTerraform {
		base = "TF_VAR_" + tfVarName(base)
	}
	name, reused := chooseName(base, key, req.Env)
	// A variable left empty or with a placeholder (OPENAI_API_KEY=,
	// OPENAI_API_KEY=your-key-here) is where the key was meant to go: fill
	// it rather than add NAME_2 next to it.
	var fill *FileChange
	if !reused && name != base {
		if v, ok := placeholderVar(req.Env, base); ok {
			name = base
			fill = &FileChange{Edits: []Edit{{v.ValStart, v.ValEnd, quoteEnvValue(key)}}}
		}
	}
	plan.VarName = name
	plan.Reused = reused

	if lang != langShell && lang != langCompose && lang != langTerraform && lang != langNotebook && inComment(lang, req.Content, f.Start) {
		plan.FromComment = true
		plan.Source = []Edit{{f.Start, f.End, name + " (in .env)"}}
		if !reused {
			plan.Env = appendLine(req.Env, name+"="+quoteEnvValue(key))
			if err := verifyEnv(req.Env, plan.Env, name, key); err != nil {
				return Plan{}, err
			}
		}
		plan.Gitignore = gitignoreChange(req.Gitignore)
		plan.EnvExample = exampleChange(req.EnvExample, name)
		return plan, nil
	}
	li := detectLoader(lang, req)
	var edits []Edit
	var err error
	switch lang {
	case langNotebook:
		edits, li, err = rewriteNotebook(req, name)
	case langTerraform:
		edits, err = rewriteTerraform(req.Content, f.Start, f.End, name)
	case langCompose:
		edits, err = rewriteYAML(req.Content, f.Start, f.End, "${"+name+"}")
	case langGo:
		edits, err = rewriteGo(req.Content, f.Start, f.End, name, li.adds != "", goHelper(req), goSiblings(req))
	case langShell:
		edits, err = rewriteShell(req.Content, f.Start, f.End, name)
	default:
		edits, err = rewriteCode(lang, flavor{ts: li.ts, phpStyle: li.phpStyle, php7: li.php7}, req.Content, f.Start, f.End, name)
	}
	if err != nil {
		return Plan{}, err
	}
	plan.LoadedBy, plan.LoaderAdded, plan.Setup = li.by, li.adds, li.setup
	if overlapsAny(edits, li.edits) {
		// The loader would land inside the rewritten text: leave it to
		// the user rather than guess.
		plan.LoaderAdded, plan.Setup = "", "load .env at startup, "+exportHint
	} else if lang == langR {
		// The loader line and R's helper may go to the same spot (the top
		// of a file with no library() calls): .env is read first.
		edits = append(append([]Edit(nil), li.edits...), edits...)
	} else {
		edits = append(edits, li.edits...)
	}
	sortEdits(edits)
	plan.Source = edits

	if !reused {
		plan.Env = appendLine(req.Env, name+"="+quoteEnvValue(key))
		if fill != nil {
			plan.Env = fill
		}
		if err := verifyEnv(req.Env, plan.Env, name, key); err != nil {
			return Plan{}, err
		}
	}
	plan.Gitignore = gitignoreChange(req.Gitignore)
	plan.EnvExample = exampleChange(req.EnvExample, name)
	return plan, nil
}

var placeholderValue = regexp.MustCompile(`(?i)^$|^<.*>$|your|changeme|change-me|replace|placeholder|^x{3,}$|^\.\.\.$|^sk-\.\.\.$|^todo$`)

// placeholderVar finds the one definition of name in .env whose value is
// empty or a placeholder.
func placeholderVar(env []byte, name string) (envscan.Var, bool) {
	var found []envscan.Var
	for _, v := range envscan.Parse(".env", env).Vars {
		if v.Name == name {
			found = append(found, v)
		}
	}
	if len(found) != 1 || !placeholderValue.MatchString(strings.TrimSpace(found[0].Value)) {
		return envscan.Var{}, false
	}
	return found[0], true
}

func overlapsAny(a, b []Edit) bool {
	for _, x := range a {
		for _, y := range b {
			if x.Start < y.End && y.Start < x.End {
				return true
			}
		}
	}
	return false
}

var goHelperRe = regexp.MustCompile(`(?m)^func mustGetenv\(`)

// goHelper decides how a Go lookup fails loudly (see rewriteGo): the
// package's files must be known, since a second mustGetenv in the package
// would not compile.
func goHelper(req Request) string {
	if goHelperRe.Match(req.Content) {
		return "use"
	}
	if req.Project.Files == nil {
		return ""
	}
	dir := path.Dir(req.Project.DocRel)
	for name, data := range req.Project.Files {
		if strings.HasSuffix(name, ".go") && path.Dir(name) == dir && goHelperRe.Match(data) {
			return "use"
		}
	}
	return "add"
}

// goSiblings are the other .go files of the document's folder.
func goSiblings(req Request) [][]byte {
	var out [][]byte
	dir := path.Dir(req.Project.DocRel)
	for name, data := range req.Project.Files {
		if strings.HasSuffix(name, ".go") && path.Dir(name) == dir && name != req.Project.DocRel {
			out = append(out, data)
		}
	}
	return out
}

// Apply returns content with edits applied (edits sorted or not, never
// overlapping). It is what an editor does with a WorkspaceEdit; tests and
// the CLI use it.
func Apply(content []byte, edits []Edit) ([]byte, error) {
	sorted := append([]Edit(nil), edits...)
	sortEdits(sorted)
	var out []byte
	last := 0
	for _, e := range sorted {
		if e.Start < last || e.End < e.Start || e.End > len(content) {
			return nil, fmt.Errorf("envfix: edit %d..%d out of order or out of bounds", e.Start, e.End)
		}
		out = append(out, content[last:e.Start]...)
		out = append(out, e.NewText...)
		last = e.End
	}
	return append(out, content[last:]...), nil
}

// sortEdits orders edits by position; an insertion at an offset goes before
// a replacement starting there.
func sortEdits(edits []Edit) {
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].Start != edits[j].Start {
			return edits[i].Start < edits[j].Start
		}
		return edits[i].End < edits[j].End
	})
}

// verifyEnv reads the new .env back the way the loader will: a file that
// ends inside an open quoted value would swallow the appended line, and the
// fix must not silently lose the key.
func verifyEnv(old []byte, change *FileChange, name, key string) error {
	base := old
	if change.Create {
		base = nil
	}
	data, err := Apply(base, change.Edits)
	if err != nil {
		return err
	}
	for _, v := range envscan.Parse(".env", data).Vars {
		if v.Name == name && v.Value == key {
			return nil
		}
	}
	return unsafef(".env does not read back %s after the append (an unterminated quote?)", name)
}
