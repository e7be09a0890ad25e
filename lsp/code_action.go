package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
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
	// disabled says why the fix is not offered (it would write through a
	// symbolic link, into a FIFO, …); files is then empty.
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
	in, ok := s.gatherFix(p.TextDocument.URI)
	if !ok {
		return []CodeAction{}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	start, end := s.offsetOf(in.a.li, p.Range.Start), s.offsetOf(in.a.li, p.Range.End)
	plans := s.plansFor(&in, start, end, "", 0)
	lazy := s.lazyEdits()
	out := make([]CodeAction, 0, len(plans))
	for _, fp := range plans {
		ca := CodeAction{Title: fp.title, Kind: "quickfix", IsPreferred: fp.preferred}
		if fp.diag != nil {
			ca.Diagnostics = []Diagnostic{*fp.diag}
		}
		switch {
		case fp.disabled != "":
			ca.IsPreferred = false
			if !s.caps.TextDocument.CodeAction.DisabledSupport {
				s.tellOnce(fp.disabled)
				continue
			}
			ca.Disabled = &CodeActionDisabled{Reason: fp.disabled}
		case lazy:
			data := fp.data
			ca.Data = &data
		default:
			ca.Edit = s.workspaceEdit(fp.files)
		}
		out = append(out, ca)
	}
	return out, nil
}

// tellOnce shows a warning once per session: code actions are asked for at
// every cursor move, and a client that cannot show a disabled action still
// has to learn why a fix is missing. Called with s.mu held.
func (s *Server) tellOnce(msg string) {
	if s.told[msg] {
		return
	}
	s.told[msg] = true
	s.log.Warn(msg)
	s.notify("window/showMessage", LogMessageParams{Type: 2, Message: "keyguard: " + msg})
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
	in, ok := s.gatherFix(ca.Data.URI)
	if !ok {
		return nil, jsonrpc2.Errorf(contentModified, "document %s is no longer open", ca.Data.URI)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if d := s.docs[ca.Data.URI]; d == nil || d.version != ca.Data.Version || in.doc.version != ca.Data.Version {
		return nil, jsonrpc2.Errorf(contentModified, "document changed since the code action was listed")
	}
	for _, fp := range s.plansFor(&in, ca.Data.Start, ca.Data.End, ca.Data.Kind, ca.Data.Index) {
		if fp.data != *ca.Data {
			continue
		}
		if fp.disabled != "" {
			return nil, jsonrpc2.Errorf(contentModified, "%s", fp.disabled)
		}
		ca.Edit = s.workspaceEdit(fp.files)
		ca.Data = nil
		return ca, nil
	}
	return nil, jsonrpc2.Errorf(contentModified, "the fix no longer applies")
}

// sideFile is a side file of a fix (.env, .gitignore, .env.example) as
// gathered before the fix is built.
type sideFile struct {
	data    []byte // nil: the file does not exist (the fix creates it)
	version *int32 // set when the editor has it open: data is its buffer
	// refused says why no fix may write the file: a symbolic link on its
	// way from the root, not a regular file (a FIFO, a device), too large.
	// data is then nil.
	refused error
}

// fixInputs is what building a document's fixes needs besides the session.
type fixInputs struct {
	doc   document // a copy, as it was when gathered
	a     analysis
	root  string               // where the fix writes .env; "" for none
	sides map[string]*sideFile // by path; nil when there is nothing to fix
	// pkg is the folder of the document's own package under root, whose
	// .env the program reads (packageDir); its side files are in sides
	// too. project is what envfix reads there to learn how the package
	// loads .env.
	pkg     string
	project envfix.Project
}

// sideNames are the side files a fix may write, in the root.
var sideNames = []string{".env", ".gitignore", ".env.example"}

// gatherFix collects a document's fix inputs without reading any file
// under s.mu (issue 10): under the lock it copies the document, its
// analysis when current and the side files open in the editor; then,
// without the lock, it analyses a stale text (without git, which could
// hold up the reader goroutine) and reads the other side files through
// safefile (no FIFO, device, link or huge file) and refuses any side file
// with a symbolic link on its way. The caller takes the lock again to build the
// fixes. ok is false when the document is not open.
func (s *Server) gatherFix(uri string) (in fixInputs, ok bool) {
	var (
		fresh     bool
		sn        snapshot
		gitIssues []envscan.Issue
		open      = map[string]*sideFile{}
	)
	// A closure so that a panic (recovered by dispatch) cannot leave the
	// lock held.
	found := func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		d := s.docs[uri]
		if d == nil {
			return false
		}
		in.doc = *d
		fresh = d.scanned == d.gen && d.a.li != nil
		if fresh {
			in.a = d.a
		} else {
			// No git on the reader goroutine: what git said of this
			// .env (ignored? tracked?) does not depend on the text, so
			// the last scan's answer is reused.
			sn = s.snapshotOf(d)
			sn.noGit = true
			gitIssues = slices.DeleteFunc(slices.Clone(d.a.issues), func(is envscan.Issue) bool { return is.Code != CodeEnvNotIgnored })
		}
		in.root = s.rootFor(d)
		if in.root != "" {
			for _, name := range sideNames {
				p := filepath.Join(in.root, name)
				if od := s.docs[pathToURI(p)]; od != nil {
					v := od.version
					open[p] = &sideFile{data: od.text, version: &v}
				}
			}
		}
		for _, od := range s.docs {
			// side files of a package folder below the root (known only
			// after packageDir, which stats outside the lock)
			if od.path != "" && slices.Contains(sideNames, filepath.Base(od.path)) && open[od.path] == nil {
				v := od.version
				open[od.path] = &sideFile{data: od.text, version: &v}
			}
		}
		if p := templateEnvPath(d.path); p != "" {
			if od := s.docs[pathToURI(p)]; od != nil {
				v := od.version
				open[p] = &sideFile{data: od.text, version: &v}
			}
		}
		return true
	}()
	if !found {
		return in, false
	}
	if !fresh {
		in.a = s.analyze(sn)
		if len(gitIssues) > 0 {
			// In the order Hygiene gives them (by start, stable), so
			// that resolve finds the same issue at the same index.
			in.a.issues = append(in.a.issues, gitIssues...)
			sort.SliceStable(in.a.issues, func(i, j int) bool { return in.a.issues[i].Start < in.a.issues[j].Start })
		}
	}
	if p := templateEnvPath(in.doc.path); p != "" && slices.ContainsFunc(in.a.issues, func(is envscan.Issue) bool { return is.Check == envscan.CheckKeyInExample }) {
		// A real key in a template moves to the .env beside it
		// (example_fix.go), whatever the workspace root.
		in.sides = map[string]*sideFile{}
		sf := open[p]
		if sf == nil {
			sf = &sideFile{}
		}
		readSideFile(filepath.Dir(p), p, sf)
		in.sides[p] = sf
	}
	if in.root == "" || !mayNeedSideFiles(in.a) {
		return in, true
	}
	if in.sides == nil {
		in.sides = map[string]*sideFile{}
	}
	dirs := []string{in.root}
	if len(in.a.findings) > 0 {
		// The move fix writes the .env of the document's package.
		if home := in.doc.homePath(); home != "" && strings.HasPrefix(home, in.root+string(filepath.Separator)) {
			in.pkg = packageDir(home, in.doc.languageID, in.root)
			in.project = readProject(in.pkg, home)
			if in.pkg != in.root {
				dirs = append(dirs, in.pkg)
			}
		} else {
			in.pkg = in.root
		}
	}
	for _, dir := range dirs {
		for _, name := range sideNames {
			p := filepath.Join(dir, name)
			sf := open[p]
			if sf == nil {
				sf = &sideFile{}
			}
			readSideFile(in.root, p, sf)
			in.sides[p] = sf
		}
	}
	return in, true
}

// mayNeedSideFiles: only a key (move to .env) or a .env that git does not
// ignore (add it to .gitignore) has fixes that write side files.
func mayNeedSideFiles(a analysis) bool {
	return len(a.findings) > 0 || slices.ContainsFunc(a.issues, func(is envscan.Issue) bool { return is.Check == envscan.CheckNotIgnored })
}

// readSideFile fills sf from disk unless the editor's buffer is already
// there, and marks it refused when a fix must not write it: the client
// applies the edit to whatever the path resolves to, so a committed
// `.env -> docs/notes.md` would get the key appended to a tracked file.
func readSideFile(root, path string, sf *sideFile) {
	if err := safefile.NoSymlinkBelow(root, path); err != nil {
		sf.data, sf.version, sf.refused = nil, nil, err
		return
	}
	if sf.version != nil {
		return
	}
	data, err := safefile.ReadNoFollow(path, maxSideFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		sf.refused = err
	default:
		sf.data = data
	}
}

// refusal is the reason shown for a fix that is not offered.
func refusal(root string, err error) string {
	msg := err.Error()
	if root != "" {
		msg = strings.ReplaceAll(msg, root+string(filepath.Separator), "")
	}
	return "not offered: " + msg
}

// plansFor lists the fixes for findings and issues overlapping
// [start,end]. With kind set, only fixes of that kind at exactly that range
// are built (resolve). Called with s.mu held.
func (s *Server) plansFor(in *fixInputs, start, end int, kind string, index int) []fixPlan {
	d, a := &in.doc, in.a
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
			if fp, ok := s.movePlan(in, f); ok {
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
			if is.Check == envscan.CheckKeyInExample {
				fp := s.examplePlan(in, is)
				fp.data, fp.diag = data, &diag
				out = append(out, fp)
				continue
			}
			out = append(out, fixPlan{title: is.Fix.Title, data: data, diag: &diag,
				files: []fileEdit{s.openFileEdit(d, a, []envfix.Edit{{Start: is.Fix.Start, End: is.Fix.End, NewText: is.Fix.NewText}})}})
		}
		if is.Check == envscan.CheckNotIgnored && want(actionGitignore) {
			if fe, entry, why, ok := s.gitignoreEdit(in); ok {
				data := base
				data.Kind = actionGitignore
				out = append(out, fixPlan{title: "Add " + entry + " to .gitignore", preferred: why == "", data: data, diag: &diag, files: []fileEdit{fe}, disabled: why})
			}
		}
	}
	return out
}

// movePlan builds "Move key to .env as NAME" with envfix.
func (s *Server) movePlan(in *fixInputs, f diagnostics.Finding) (fixPlan, bool) {
	d, a := &in.doc, in.a
	path := d.displayPath()
	if !envfix.Supported(d.languageID, path) {
		return fixPlan{}, false
	}
	root := in.root
	if root == "" || in.sides == nil {
		// An untitled: document and no workspace folder: nowhere to
		// write .env.
		return fixPlan{}, false
	}
	pkg, proj := in.pkg, in.project
	if pkg == "" {
		pkg = root
	}
	envPath, giPath, exPath := filepath.Join(pkg, ".env"), filepath.Join(pkg, ".gitignore"), filepath.Join(pkg, ".env.example")
	env, gi, ex := in.sides[envPath], in.sides[giPath], in.sides[exPath]
	if env == nil || gi == nil || ex == nil {
		return fixPlan{}, false
	}
	plan, err := envfix.MoveToEnv(envfix.Request{LanguageID: d.languageID, Path: path, Content: a.text, Finding: f,
		Env: env.data, Gitignore: gi.data, EnvExample: ex.data, Project: proj})
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
	for _, side := range []struct {
		fc *envfix.FileChange
		p  string
		sf *sideFile
	}{{plan.Env, envPath, env}, {plan.Gitignore, giPath, gi}, {plan.EnvExample, exPath, ex}} {
		if side.fc == nil {
			continue
		}
		if side.sf.refused != nil {
			// Never a partial fix: the key must not land in a .env
			// that the refused .gitignore would leave unignored.
			return fixPlan{title: title, disabled: refusal(root, side.sf.refused)}, true
		}
		content := side.sf.data
		if side.fc.Create {
			content = nil
		}
		files = append(files, fileEdit{uri: pathToURI(side.p), create: side.fc.Create, version: side.sf.version, content: content, edits: side.fc.Edits})
	}
	return fixPlan{title: title, preferred: true, files: files}, true
}

// packageDir is the folder whose .env the document's program reads: the
// nearest folder from the document's up to root that has a .env or a
// project manifest (a compose file: its own folder, where compose looks).
// It stats files: never call it with s.mu held.
func packageDir(home, languageID, root string) string {
	dir := filepath.Dir(home)
	if envfix.ComposeFile(languageID, home) {
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

// Bounds on what readProject reads per code action.
const (
	maxProjectFiles = 128
	maxProjectFile  = 256 << 10
)

// readProject reads what tells envfix how the package loads .env: its
// manifests, its conventional entry points and the document's siblings in
// the same language (a loader call in main.py covers config.py). It reads
// files: never call it with s.mu held.
func readProject(pkg, docPath string) envfix.Project {
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

// gitignoreEdit appends the .env file to the root .gitignore, creating it
// if needed, in the file's own line ending. entry is the line it writes
// (/web/.env.local), which the fix's title names: "Add .env" for a file
// that is not the root's .env would be a promise the edit does not keep.
// why is set (and the edit empty) when .gitignore must not be written.
func (s *Server) gitignoreEdit(in *fixInputs) (fe fileEdit, entry, why string, ok bool) {
	d := &in.doc
	root := in.root
	if root == "" || in.sides == nil {
		return fileEdit{}, "", "", false
	}
	p := filepath.Join(root, ".gitignore")
	sf := in.sides[p]
	if sf.refused != nil {
		return fileEdit{}, ".env", refusal(root, sf.refused), true
	}
	content, ver := sf.data, sf.version
	name := ".env"
	if d.path != "" {
		if rel, err := filepath.Rel(root, d.path); err == nil && !strings.HasPrefix(rel, "..") {
			lit, err := gitignoreLiteral(filepath.ToSlash(rel))
			if err != nil {
				return fileEdit{}, ".env", "not offered: " + err.Error(), true
			}
			name = lit
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
		edits: []envfix.Edit{{Start: len(content), End: len(content), NewText: text}}}, name, "", true
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
			if te, ok := s.appendRange(li, fe.content, e, len(fe.edits)-1); ok {
				edits = append(edits, te)
				continue
			}
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
