package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.lsp.dev/jsonrpc2"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/diagnostics/safefile"
	"github.com/keyguard/keyguard/envscan"
	"github.com/keyguard/keyguard/lsp/envfix"
)

// Action kinds carried in CodeAction.data for codeAction/resolve.
const (
	actionMove      = "move"
	actionIgnore    = "ignore"
	actionRedact    = "redact"
	actionEnvFix    = "envfix"
	actionGitignore = "gitignore"
)

// MoveTitlePrefix starts the title of the move-to-env fix (contract).
const MoveTitlePrefix = "Move key to .env"

// contentModified is LSP's ContentModified error code.
const contentModified jsonrpc2.Code = -32801

// maxSideFile bounds how much of .env/.gitignore the server reads.
const maxSideFile = 4 << 20

// fixPlan is one code action before it becomes LSP: a title, the
// diagnostic it fixes and the byte edits per file.
type fixPlan struct {
	title     string
	preferred bool
	data      ActionData
	diag      *Diagnostic
	files     []fileEdit
	// disabled is why the fix cannot apply here (shown greyed out by
	// clients with disabledSupport); such a plan has no edits.
	disabled string
}

// fileEdit is the byte-offset edits to one file.
type fileEdit struct {
	uri     string
	create  bool
	version *int32 // the open document's version, nil when not open
	content []byte // current content the offsets refer to
	edits   []envfix.Edit
}

func (s *Server) codeAction(_ context.Context, raw json.RawMessage) (any, error) {
	var p CodeActionParams
	if err := unmarshalParams(raw, &p); err != nil {
		return nil, err
	}
	if len(p.Context.Only) > 0 && !slices.ContainsFunc(p.Context.Only, func(k string) bool { return k == "quickfix" || k == "" }) {
		return []CodeAction{}, nil
	}
	d := s.docs[p.TextDocument.URI]
	if d == nil {
		return []CodeAction{}, nil
	}
	a := s.current(d)
	start, end := s.offsetOf(a.li, p.Range.Start), s.offsetOf(a.li, p.Range.End)
	plans := s.plansFor(d, a, start, end, "", 0)
	lazy := s.lazyEdits()
	out := make([]CodeAction, 0, len(plans))
	for _, fp := range plans {
		ca := CodeAction{Title: fp.title, Kind: "quickfix", IsPreferred: fp.preferred}
		if fp.diag != nil {
			ca.Diagnostics = []Diagnostic{*fp.diag}
		}
		if fp.disabled != "" {
			ca.Disabled, ca.IsPreferred = &CodeActionDisabled{Reason: fp.disabled}, false
			out = append(out, ca)
			continue
		}
		if lazy {
			data := fp.data
			ca.Data = &data
		} else {
			ca.Edit = s.workspaceEdit(fp.files)
		}
		out = append(out, ca)
	}
	return out, nil
}

// lazyEdits: the client resolves edits later (codeAction/resolve), so the
// list can skip building them.
func (s *Server) lazyEdits() bool {
	rs := s.caps.TextDocument.CodeAction.ResolveSupport
	return rs != nil && slices.Contains(rs.Properties, "edit")
}

func (s *Server) codeActionResolve(_ context.Context, raw json.RawMessage) (any, error) {
	var ca CodeAction
	if err := unmarshalParams(raw, &ca); err != nil {
		return nil, err
	}
	if ca.Data == nil {
		return ca, nil // nothing to resolve
	}
	d := s.docs[ca.Data.URI]
	if d == nil {
		return nil, jsonrpc2.Errorf(contentModified, "document %s is no longer open", ca.Data.URI)
	}
	if d.version != ca.Data.Version {
		return nil, jsonrpc2.Errorf(contentModified, "document changed since the code action was listed")
	}
	a := s.current(d)
	for _, fp := range s.plansFor(d, a, ca.Data.Start, ca.Data.End, ca.Data.Kind, ca.Data.Index) {
		if fp.data == *ca.Data {
			ca.Edit = s.workspaceEdit(fp.files)
			ca.Data = nil
			return ca, nil
		}
	}
	return nil, jsonrpc2.Errorf(contentModified, "the fix no longer applies")
}

// plansFor lists the fixes for findings and issues overlapping
// [start,end]. With kind set, only fixes of that kind at exactly that range
// are built (resolve). Called with s.mu held.
func (s *Server) plansFor(d *document, a analysis, start, end int, kind string, index int) []fixPlan {
	var out []fixPlan
	overlaps := func(fs, fe int) bool {
		if kind != "" {
			return fs == start && fe == end
		}
		return fs <= end && start <= fe
	}
	want := func(k string) bool { return kind == "" || kind == k }
	li := a.li
	for _, f := range a.findings {
		if !overlaps(f.Start, f.End) {
			continue
		}
		diag := Diagnostic{Range: s.rangeOf(li, f.Start, f.End), Code: string(f.Code), Source: Source, Message: findingMessage(f)}
		if sev, ok := s.severity(string(f.Code), severityOf(f.Severity)); ok {
			diag.Severity = sev
		}
		base := ActionData{URI: d.uri, Version: d.version, Start: f.Start, End: f.End}
		if want(actionMove) {
			if fp, ok := s.movePlan(d, a, f); ok {
				fp.data, fp.diag = base, &diag
				fp.data.Kind = actionMove
				out = append(out, fp)
			}
		}
		if want(actionIgnore) {
			if e, ok := allowCommentEdit(d.languageID, d.displayPath(), a.text, f.Start); ok {
				data := base
				data.Kind = actionIgnore
				out = append(out, fixPlan{title: "Ignore this key (add keyguard:allow)", data: data, diag: &diag,
					files: []fileEdit{s.openFileEdit(d, a, []envfix.Edit{e})}})
			}
		}
		if want(actionRedact) && isDocsFile(d.languageID, d.displayPath()) {
			data := base
			data.Kind = actionRedact
			out = append(out, fixPlan{title: "Redact key", data: data, diag: &diag,
				files: []fileEdit{s.openFileEdit(d, a, []envfix.Edit{{Start: f.Start, End: f.End, NewText: f.Secret}})}})
		}
	}
	for i, is := range a.issues {
		if !overlaps(is.Start, is.End) || (kind != "" && index != i) {
			continue
		}
		diag := Diagnostic{Range: s.rangeOf(li, is.Start, is.End), Code: is.Code, Source: Source, Message: is.Message,
			Severity: issueSeverity(is.Severity)}
		base := ActionData{URI: d.uri, Version: d.version, Start: is.Start, End: is.End, Index: i}
		if is.Fix != nil && want(actionEnvFix) {
			data := base
			data.Kind = actionEnvFix
			out = append(out, fixPlan{title: is.Fix.Title, data: data, diag: &diag,
				files: []fileEdit{s.openFileEdit(d, a, []envfix.Edit{{Start: is.Fix.Start, End: is.Fix.End, NewText: is.Fix.NewText}})}})
		}
		if is.Check == envscan.CheckNotIgnored && want(actionGitignore) {
			if fe, ok := s.gitignoreEdit(d); ok {
				data := base
				data.Kind = actionGitignore
				out = append(out, fixPlan{title: "Add .env to .gitignore", preferred: true, data: data, diag: &diag, files: []fileEdit{fe}})
			}
		}
	}
	return out
}

// movePlan builds "Move key to .env as NAME" with envfix.
func (s *Server) movePlan(d *document, a analysis, f diagnostics.Finding) (fixPlan, bool) {
	path := d.displayPath()
	if !envfix.Supported(d.languageID, path) {
		return fixPlan{}, false
	}
	root := s.rootFor(d)
	if root == "" {
		// An untitled: document and no workspace folder: nowhere to
		// write .env.
		return fixPlan{}, false
	}
	pkg := root
	if d.path != "" {
		pkg = s.packageDir(d, root)
	} else if nb := notebookPath(d.uri); nb != "" && strings.HasPrefix(nb, root+string(filepath.Separator)) {
		// a notebook cell: the notebook file's package
		pkg = s.packageDir(&document{path: nb, languageID: d.languageID}, root)
	}
	envPath, giPath, exPath := filepath.Join(pkg, ".env"), filepath.Join(pkg, ".gitignore"), filepath.Join(pkg, ".env.example")
	env, envVer := s.readSide(envPath)
	gi, giVer := s.readSide(giPath)
	ex, exVer := s.readSide(exPath)
	var proj envfix.Project
	if d.path != "" {
		proj = s.readProject(pkg, d.path)
	} else if nb := notebookPath(d.uri); nb != "" && strings.HasPrefix(nb, pkg+string(filepath.Separator)) {
		proj = s.readProject(pkg, nb)
	}
	plan, err := envfix.MoveToEnv(envfix.Request{LanguageID: d.languageID, Path: path, Content: a.text, Finding: f,
		Env: env, Gitignore: gi, EnvExample: ex, Project: proj})
	if err != nil {
		s.log.Debug("no move-to-env fix", "document", path, "key", f.Secret, "err", err.Error())
		if errors.Is(err, envfix.ErrUnsafe) && s.caps.TextDocument.CodeAction.DisabledSupport {
			// Say why, where the user looks for the fix.
			reason := strings.TrimPrefix(err.Error(), envfix.ErrUnsafe.Error()+": ")
			return fixPlan{title: "Cannot move key to .env here", disabled: reason}, true
		}
		return fixPlan{}, false
	}
	title := fmt.Sprintf("%s as %s", MoveTitlePrefix, plan.VarName)
	switch {
	case plan.FromComment:
		title = fmt.Sprintf("Remove key from comment (save it in .env as %s)", plan.VarName)
	case plan.Env == nil && !plan.Reused:
		// A workflow: the key belongs in the repository's secrets.
		title += fmt.Sprintf(": use ${{ secrets.%s }} (add %s as a repository secret)", plan.VarName, plan.VarName)
	case f.Code == diagnostics.CodeClientSideKey:
		// .env keeps the key off git, but code in the browser cannot
		// read a server variable (and a public one would ship the key):
		// the diagnostic on this file stays until a server reads it.
		title += " (this code runs in the browser: read it on the server)"
	case plan.LoaderAdded != "":
		title += " and load .env at startup (" + plan.LoaderAdded + ")"
	case plan.Setup != "":
		// Said where the user chooses the fix: the rewritten program
		// reads a variable that nothing puts in its environment yet.
		title += " (nothing loads .env yet: " + plan.Setup + ")"
	}
	files := []fileEdit{s.openFileEdit(d, a, plan.Source)}
	side := func(fc *envfix.FileChange, p string, content []byte, ver *int32) {
		if fc == nil {
			return
		}
		if fc.Create {
			content = nil
		}
		files = append(files, fileEdit{uri: pathToURI(p), create: fc.Create, version: ver, content: content, edits: fc.Edits})
	}
	side(plan.Env, envPath, env, envVer)
	side(plan.Gitignore, giPath, gi, giVer)
	side(plan.EnvExample, exPath, ex, exVer)
	return fixPlan{title: title, preferred: true, files: files}, true
}

// packageDir is the folder whose .env the document's program reads: the
// nearest folder from the document's up to root that has a .env or a
// project manifest (a compose file: its own folder, where compose looks).
func (s *Server) packageDir(d *document, root string) string {
	dir := filepath.Dir(d.path)
	if envfix.ComposeFile(d.languageID, d.path) {
		return dir
	}
	for {
		for _, m := range envfix.PackageMarkers {
			if st, err := os.Lstat(filepath.Join(dir, m)); err == nil && st.Mode().IsRegular() {
				return dir
			}
		}
		if matches, _ := filepath.Glob(filepath.Join(dir, "*.csproj")); len(matches) > 0 {
			return dir
		}
		if dir == root || !strings.HasPrefix(dir, root+string(filepath.Separator)) {
			return root
		}
		dir = filepath.Dir(dir)
	}
}

// notebookPath is the notebook file of a VS Code notebook cell document
// (vscode-notebook-cell:/x/nb.ipynb#W0sZmlsZQ==), "" for other URIs.
func notebookPath(uri string) string {
	rest, ok := strings.CutPrefix(uri, "vscode-notebook-cell:")
	if !ok {
		return ""
	}
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	p, ok := uriToPath("file://" + strings.TrimPrefix(rest, "//"))
	if !ok {
		return ""
	}
	return p
}

// Bounds on what readProject reads per code action.
const (
	maxProjectFiles = 128
	maxProjectFile  = 256 << 10
)

// readProject reads what tells envfix how the package loads .env: its
// manifests, its conventional entry points and the document's siblings in
// the same language (a loader call in main.py covers config.py).
func (s *Server) readProject(pkg, docPath string) envfix.Project {
	p := envfix.Project{Files: map[string][]byte{}}
	if rel, err := filepath.Rel(pkg, docPath); err == nil {
		p.DocRel = filepath.ToSlash(rel)
	}
	add := func(rel string) {
		if len(p.Files) >= maxProjectFiles {
			return
		}
		if _, ok := p.Files[rel]; ok {
			return
		}
		full := filepath.Join(pkg, filepath.FromSlash(rel))
		if full == docPath {
			return
		}
		if data, err := safefile.ReadNoFollow(full, maxProjectFile); err == nil {
			p.Files[rel] = data
		}
	}
	for _, names := range [][]string{envfix.PackageMarkers, envfix.ManifestFiles, envfix.EntryPoints} {
		for _, n := range names {
			if n != ".env" {
				add(n)
			}
		}
	}
	if matches, _ := filepath.Glob(filepath.Join(pkg, "*.csproj")); len(matches) > 0 {
		for _, m := range matches {
			add(filepath.Base(m))
		}
	}
	ext := filepath.Ext(docPath)
	for _, dir := range []string{filepath.Dir(docPath), pkg} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if e.Type().IsRegular() && filepath.Ext(e.Name()) == ext {
				if rel, err := filepath.Rel(pkg, filepath.Join(dir, e.Name())); err == nil {
					add(filepath.ToSlash(rel))
				}
			}
		}
	}
	return p
}

func (s *Server) openFileEdit(d *document, a analysis, edits []envfix.Edit) fileEdit {
	v := d.version
	return fileEdit{uri: d.uri, version: &v, content: a.text, edits: edits}
}

// readSide reads a side file (.env, .gitignore, .env.example), preferring
// the editor's buffer when the file is open there: its unsaved text is
// what the edit will apply to. nil content means the file does not exist.
// Called with s.mu held.
func (s *Server) readSide(path string) ([]byte, *int32) {
	if d := s.docs[pathToURI(path)]; d != nil {
		v := d.version
		return d.text, &v
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSideFile))
	if err != nil {
		return nil, nil
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// gitignoreEdit appends the .env file to the root .gitignore, creating it
// if needed, in the file's own line ending.
func (s *Server) gitignoreEdit(d *document) (fileEdit, bool) {
	root := s.rootFor(d)
	if root == "" {
		return fileEdit{}, false
	}
	p := filepath.Join(root, ".gitignore")
	content, ver := s.readSide(p)
	name := ".env"
	if d.path != "" {
		if rel, err := filepath.Rel(root, d.path); err == nil && !strings.HasPrefix(rel, "..") {
			name = "/" + filepath.ToSlash(rel)
		}
	}
	nl := "\n"
	if bytes.Contains(content, []byte("\r\n")) {
		nl = "\r\n"
	}
	text := name + nl
	if len(content) > 0 && content[len(content)-1] != '\n' {
		text = nl + text
	}
	return fileEdit{uri: pathToURI(p), create: content == nil, version: ver, content: content,
		edits: []envfix.Edit{{Start: len(content), End: len(content), NewText: text}}}, true
}

// commentSyntax returns how a line comment is written in a language; open
// is "" where a comment cannot be added (JSON) or the language is unknown.
func commentSyntax(languageID, path string) (open, close string) {
	switch languageID {
	case "python", "ruby", "shellscript", "sh", "bash", "zsh", "yaml", "github-actions-workflow", "dockercompose", "r", "elixir",
		"toml", "dockerfile", "perl", "makefile", "properties", "dotenv", "powershell", "nix", "julia", "crystal", "coffeescript", "ini":
		return "#", ""
	case "javascript", "javascriptreact", "typescript", "typescriptreact", "go", "java", "kotlin", "csharp", "rust", "swift", "dart",
		"php", "c", "cpp", "objective-c", "scala", "groovy", "jsonc", "zig", "fsharp", "proto", "solidity":
		return "//", ""
	case "lua", "sql", "haskell", "elm", "ada":
		return "--", ""
	case "markdown", "html", "xml", "mdx", "vue", "svelte":
		return "<!--", " -->"
	case "erlang", "latex", "tex", "matlab":
		return "%", ""
	case "clojure", "lisp", "scheme":
		return ";;", ""
	case "json":
		return "", ""
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".py", ".rb", ".sh", ".bash", ".zsh", ".yml", ".yaml", ".r", ".ex", ".exs", ".toml", ".pl", ".ps1", ".cfg", ".conf", ".tf", ".hcl":
		return "#", ""
	case ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".go", ".java", ".kt", ".kts", ".cs", ".rs", ".swift", ".dart", ".php",
		".c", ".h", ".cc", ".cpp", ".hpp", ".m", ".scala", ".groovy", ".gradle", ".zig":
		return "//", ""
	case ".lua", ".sql", ".hs":
		return "--", ""
	case ".md", ".markdown", ".html", ".htm", ".xml":
		return "<!--", " -->"
	}
	if base := strings.ToLower(filepath.Base(path)); base == "dockerfile" || base == "makefile" || strings.HasPrefix(base, ".env") {
		return "#", ""
	}
	return "", ""
}

// allowCommentEdit appends a keyguard:allow comment at the end of the
// key's line (the detector honours it on the same line).
func allowCommentEdit(languageID, path string, text []byte, off int) (envfix.Edit, bool) {
	open, close := commentSyntax(languageID, path)
	if open == "" {
		return envfix.Edit{}, false
	}
	end := off
	for end < len(text) && text[end] != '\n' {
		end++
	}
	if end > off && text[end-1] == '\r' {
		end--
	}
	return envfix.Edit{Start: end, End: end, NewText: " " + open + " keyguard:allow" + close}, true
}

// workspaceEdit turns byte edits into LSP: documentChanges (a CreateFile,
// then a TextDocumentEdit) when the client can create files, otherwise the
// plain changes map. Called with s.mu held.
func (s *Server) workspaceEdit(files []fileEdit) *WorkspaceEdit {
	wc := s.caps.Workspace.WorkspaceEdit
	useDC := wc.DocumentChanges && slices.Contains(wc.ResourceOperations, "create")
	we := &WorkspaceEdit{}
	for _, fe := range files {
		li := diagnostics.NewLineIndex(fe.content)
		edits := make([]TextEdit, 0, len(fe.edits))
		for _, e := range fe.edits {
			edits = append(edits, TextEdit{Range: s.rangeOf(li, e.Start, e.End), NewText: e.NewText})
		}
		if !useDC {
			if we.Changes == nil {
				we.Changes = map[string][]TextEdit{}
			}
			we.Changes[fe.uri] = append(we.Changes[fe.uri], edits...)
			continue
		}
		if fe.create {
			we.DocumentChanges = append(we.DocumentChanges, DocumentChange{Kind: "create", URI: fe.uri,
				Options: &CreateOptions{IgnoreIfExists: true}})
		}
		we.DocumentChanges = append(we.DocumentChanges, DocumentChange{
			TextDocument: &VersionedTextDocumentIdentifier{URI: fe.uri, Version: fe.version}, Edits: edits})
	}
	return we
}
