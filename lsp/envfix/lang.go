package envfix

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
)

type lang int

const (
	langNone lang = iota
	langPython
	langJS // JavaScript and TypeScript, with JSX
	langGo
	langJava
	langKotlin
	langCSharp
	langRuby
	langPHP
	langRust
	langShell
	langSwift
	langDart
	langLua
	langR
	langElixir
	langCompose
	langGitHubActions
	langNotebook  // a raw .ipynb (JSON holding Python cells)
	langTerraform // .tf: a sensitive variable fed by TF_VAR_
)

var langNames = map[lang]string{
	langPython: "python", langJS: "javascript", langGo: "go", langJava: "java",
	langKotlin: "kotlin", langCSharp: "csharp", langRuby: "ruby", langPHP: "php",
	langRust: "rust", langShell: "shell", langSwift: "swift", langDart: "dart",
	langLua: "lua", langR: "r", langElixir: "elixir", langCompose: "docker-compose",
	langGitHubActions: "github-actions", langNotebook: "jupyter", langTerraform: "terraform",
}

func (l lang) String() string { return langNames[l] }

// byLanguageID maps LSP languageIds (VS Code's identifiers, plus the
// Neovim filetypes that differ) to a rewrite.
var byLanguageID = map[string]lang{
	"python":     langPython,
	"javascript": langJS, "javascriptreact": langJS, "typescript": langJS, "typescriptreact": langJS,
	"go": langGo, "java": langJava, "kotlin": langKotlin, "csharp": langCSharp, "cs": langCSharp,
	"ruby": langRuby, "php": langPHP, "rust": langRust,
	"shellscript": langShell, "sh": langShell, "bash": langShell, "zsh": langShell,
	"swift": langSwift, "dart": langDart, "lua": langLua, "r": langR, "elixir": langElixir,
	"dockercompose": langCompose, "github-actions-workflow": langGitHubActions,
	"terraform": langTerraform, "hcl": langTerraform,
}

var byExt = map[string]lang{
	".py": langPython, ".pyw": langPython,
	".js": langJS, ".mjs": langJS, ".cjs": langJS, ".jsx": langJS,
	".ts": langJS, ".mts": langJS, ".cts": langJS, ".tsx": langJS,
	".go": langGo, ".java": langJava, ".kt": langKotlin, ".kts": langKotlin, ".cs": langCSharp,
	".rb": langRuby, ".php": langPHP, ".rs": langRust,
	".sh": langShell, ".bash": langShell, ".zsh": langShell,
	".swift": langSwift, ".dart": langDart, ".lua": langLua, ".r": langR,
	".ex": langElixir, ".exs": langElixir, ".tf": langTerraform,
}

// resolveLang picks the rewrite for a document: the languageId when it names
// one, else the extension. YAML is only supported where a ${X} or
// ${{ secrets.X }} is actually interpolated: compose files and workflows.
func resolveLang(languageID, path string, content []byte) lang {
	id := strings.ToLower(languageID)
	if strings.EqualFold(filepath.Ext(path), ".ipynb") && (id == "" || id == "json" || id == "jupyter" || id == "plaintext") {
		return langNotebook
	}
	if id == "yaml" || id == "dockercompose" || id == "github-actions-workflow" || isYAMLPath(path) {
		switch {
		case isWorkflowPath(path) || id == "github-actions-workflow":
			return langGitHubActions
		case isComposePath(path) || id == "dockercompose" || looksLikeCompose(content):
			return langCompose
		}
		return langNone
	}
	if l, ok := byLanguageID[id]; ok {
		return l
	}
	return byExt[strings.ToLower(filepath.Ext(path))]
}

// ComposeFile reports whether the document is a docker compose file, whose
// ${X} compose fills from the .env in the file's own folder.
func ComposeFile(languageID, path string) bool {
	return resolveLang(languageID, path, nil) == langCompose
}

// Workflow reports whether path is a GitHub Actions workflow.
func Workflow(path string) bool { return isWorkflowPath(path) }

func isYAMLPath(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".yml" || ext == ".yaml"
}

func isWorkflowPath(path string) bool {
	p := filepath.ToSlash(path)
	return isYAMLPath(path) && (strings.Contains(p, "/.github/workflows/") || strings.HasPrefix(p, ".github/workflows/"))
}

var composeName = regexp.MustCompile(`^(docker-)?compose([.-][^/]*)?\.ya?ml$`)

func isComposePath(path string) bool {
	return composeName.MatchString(strings.ToLower(filepath.Base(path)))
}

var topLevelServices = regexp.MustCompile(`(?m)^services:\s*$`)

// looksLikeCompose accepts compose files with other names (stack.yml,
// deploy/app.yaml) by their top-level "services:" key.
func looksLikeCompose(content []byte) bool {
	return content != nil && topLevelServices.Match(content) && (bytes.Contains(content, []byte("image:")) || bytes.Contains(content, []byte("build:")))
}
