package envfix

import (
	"bytes"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Project is what the fix knows of the package the document belongs to,
// read by the caller: the folder whose .env the key goes to, its manifests
// and the source files that may load .env (entry points, the document's
// siblings). The fix looks at them to decide whether the rewritten lookup
// will see the .env it writes.
type Project struct {
	// Files by slash path relative to the package folder.
	Files map[string][]byte
	// Files is nil when the project is not known (an untitled document):
	// then the fix adds no built-in loader either, it only says how.
	//
	// DocRel is the document's slash path relative to the package folder
	// ("" when unknown, e.g. an untitled document).
	DocRel string
}

// PackageMarkers are the files that make a folder a package of its own:
// the key of a file goes to the .env of the nearest folder holding one of
// them (or a .env), which is where that package's loader and run command
// look.
var PackageMarkers = []string{
	".env", "package.json", "deno.json", "deno.jsonc", "pyproject.toml", "requirements.txt", "Pipfile",
	"setup.py", "setup.cfg", "go.mod", "Cargo.toml", "Gemfile", "composer.json", "pom.xml",
	"build.gradle", "build.gradle.kts", "mix.exs", "pubspec.yaml", "Package.swift", "DESCRIPTION",
}

// ManifestFiles are read from the package folder besides PackageMarkers
// (plus every *.csproj there): files that say how the project loads .env.
var ManifestFiles = []string{
	"requirements-dev.txt", "environment.yml", "bun.lockb", "bun.lock", "bunfig.toml", "artisan",
	"config/application.rb", "src/main/resources/application.properties", "src/main/resources/application.yml",
	"next.config.js", "next.config.mjs", "next.config.ts", "nuxt.config.ts", "nuxt.config.js", "remix.config.js",
}

// EntryPoints are source files commonly run first; a loader there runs
// before the document's lookup.
var EntryPoints = []string{
	"main.py", "app.py", "__main__.py", "manage.py", "wsgi.py", "asgi.py", "run.py", "server.py",
	"index.js", "index.mjs", "index.ts", "server.js", "server.ts", "app.js", "app.ts", "main.js", "main.ts",
	"src/index.js", "src/index.ts", "src/main.js", "src/main.ts", "src/server.js", "src/server.ts", "src/app.ts",
	"main.go", "src/main.rs", "Program.cs", "config.ru", "app.rb", "main.rb",
	"index.php", "public/index.php", "bootstrap.php", "bootstrap/app.php", "main.R", "app.R",
}

// loaderInfo is how the lookup the fix writes will see .env.
type loaderInfo struct {
	by    string // what loads .env already ("python-dotenv", "Next.js"); "" if nothing does
	adds  string // the loader the fix adds, when nothing loads .env but one can be added
	edits []Edit // the edits adding it
	setup string // neither: the one-line setup the user must do, shown in the title
	// flavour of the lookup
	ts       bool   // TypeScript: the thrown-error helper gets types
	phpStyle string // "laravel", "phpdotenv" or "" (getenv)
	php7     bool   // no throw expressions
}

// exportHint is how to run any program with the .env in its environment.
const exportHint = "or run with it exported: set -a; . ./.env; set +a"

func (p Project) has(name string) bool { _, ok := p.Files[name]; return ok }

func (p Project) file(name string) []byte { return p.Files[name] }

// anySource reports whether re matches the document or one of the
// project's source files with one of exts.
func (p Project) anySource(doc []byte, re *regexp.Regexp, exts ...string) bool {
	if re.Match(doc) {
		return true
	}
	for name, data := range p.Files {
		for _, e := range exts {
			if strings.HasSuffix(name, e) && re.Match(data) {
				return true
			}
		}
	}
	return false
}

// manifestHas reports whether one of the named manifests matches re.
func (p Project) manifestHas(re *regexp.Regexp, names ...string) bool {
	for _, n := range names {
		if re.Match(p.file(n)) {
			return true
		}
	}
	return false
}

func (p Project) csprojHas(re *regexp.Regexp) bool {
	for name, data := range p.Files {
		if strings.HasSuffix(name, ".csproj") && re.Match(data) {
			return true
		}
	}
	return false
}

var (
	pyLoads    = regexp.MustCompile(`\bload_dotenv\s*\(|\bread_env\s*\(|(?m)^\s*%(dotenv|load_ext\s+dotenv)\b`)
	pyDeclares = regexp.MustCompile(`(?im)(^|["'\s])(python[-_]dotenv|pydantic[-_]settings)\b`)

	jsLoads = regexp.MustCompile(`require\(\s*['"]dotenv(/config)?['"]\s*\)|from\s+['"]dotenv(/config)?['"]|import\s+['"]dotenv/config['"]|\bloadEnvFile\s*\(|['"]@dotenvx/dotenvx['"]|@nestjs/config`)
	// package.json scripts that start node with the file loaded.
	jsScriptLoads = regexp.MustCompile(`--env-file|(-r|--require|--import)[ =]dotenv/config|\bdotenv(x)?\s+(run|-e|-c|--)|\benv-cmd\b|\bbun\s`)
	jsDeclares    = regexp.MustCompile(`"dotenv"\s*:`)
	typesNodeRe   = regexp.MustCompile(`"@types/node"\s*:\s*"[^"0-9]*(\d+)(?:\.(\d+))?`)
	esmTypeRe     = regexp.MustCompile(`"type"\s*:\s*"module"`)
	esmSyntaxRe   = regexp.MustCompile(`(?m)^\s*(import\s+[\w*{"']|export\s+(default\b|const\b|function\b|class\b|\{|let\b|async\b))`)

	goLoads    = regexp.MustCompile(`\bgodotenv\.(Load|Overload)\s*\(|"github\.com/joho/godotenv/autoload"|\bgotenv\.Load\s*\(`)
	goDeclares = regexp.MustCompile(`github\.com/joho/godotenv\s+v`)

	rbLoads      = regexp.MustCompile(`require\s*\(?\s*['"]dotenv/(load|rails-now)['"]|\bDotenv\.load\b`)
	rbDeclares   = regexp.MustCompile(`(?m)^\s*gem\s+['"]dotenv['"]`)
	rbRailsLoads = regexp.MustCompile(`(?m)^\s*gem\s+['"]dotenv-rails['"]`)

	phpLaravel    = regexp.MustCompile(`"laravel/framework"\s*:`)
	phpDeclares   = regexp.MustCompile(`"vlucas/phpdotenv"\s*:`)
	phpLoads      = regexp.MustCompile(`Dotenv::create(Immutable|Mutable|UnsafeImmutable|UnsafeMutable)?\s*\(`)
	php7Re        = regexp.MustCompile(`"php"\s*:\s*"[^"]*?(\^|~|>=)?\s*[57]\.`)
	phpAutoloadRe = regexp.MustCompile(`(?m)^\s*require(_once)?\s*\(?\s*[^;\n]*vendor/autoload\.php['"]\s*\)?\s*;[^\n]*\n?`)

	rsLoads    = regexp.MustCompile(`\bdotenvy?::(dotenv|from_\w+)\s*\(|\bdotenv\(\)\s*\.ok\(\)`)
	rsDeclares = regexp.MustCompile(`(?m)^\s*dotenvy?\s*=`)
	rsMainRe   = regexp.MustCompile(`(?m)^\s*(pub\s+)?(async\s+)?fn\s+main\s*\(\s*\)[^{]*\{`)

	csLoads    = regexp.MustCompile(`\bEnv\.(Load|TraversePath)\s*\(`)
	csDeclares = regexp.MustCompile(`Include\s*=\s*"DotNetEnv"`)
	csMainRe   = regexp.MustCompile(`(?m)\bstatic\s+(async\s+)?(void|int|Task|Task<int>)\s+Main\s*\([^)]*\)\s*\{`)

	springEnvImport = regexp.MustCompile(`spring\.config\.import[^\n]*\.env`)

	rLoads  = regexp.MustCompile(`\breadRenviron\s*\(|\bload_dot_env\s*\(`)
	exLoads = regexp.MustCompile(`\bDotenvy\.source|\bDotenvParser\.load_file|\bDotenv\.load`)
	shLoads = regexp.MustCompile(`(?m)^\s*(\.|source)\s+["']?[^\s"']*\.env\b`)
)

// detectLoader finds out how the project loads .env for a document of
// language l, and plans the loader call when nothing loads it yet but the
// project declares a loader or the runtime has one built in.
func detectLoader(l lang, req Request) loaderInfo {
	p := req.Project
	src := req.Content
	ext := strings.ToLower(path.Ext(req.Path))
	var li loaderInfo
	switch l {
	case langPython:
		if strings.EqualFold(ext, ".ipynb") || strings.Contains(req.Path, "vscode-notebook-cell") {
			if pyLoads.Match(src) {
				li.by = "%dotenv"
				return li
			}
			li.setup = "in the first cell: %load_ext dotenv then %dotenv (pip install python-dotenv)"
			return li
		}
		if p.anySource(src, pyLoads, ".py") {
			li.by = "python-dotenv"
			return li
		}
		if p.manifestHas(pyDeclares, "requirements.txt", "requirements-dev.txt", "pyproject.toml", "Pipfile", "setup.py", "setup.cfg", "environment.yml") {
			if e := pythonLoaderEdit(src, req.Finding.Start); e != nil {
				li.adds, li.edits = "python-dotenv", []Edit{*e}
				return li
			}
		}
		li.setup = "pip install python-dotenv and call load_dotenv() at startup, " + exportHint
	case langJS:
		li.ts = ext == ".ts" || ext == ".tsx" || ext == ".mts" || ext == ".cts" ||
			strings.HasPrefix(strings.ToLower(req.LanguageID), "typescript")
		pkg := p.file("package.json")
		switch {
		case p.anySource(src, jsLoads, ".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".tsx", ".jsx"):
			li.by = "dotenv"
		case jsScriptLoads.Match(pkg) || p.has("bun.lockb") || p.has("bun.lock") || p.has("bunfig.toml"):
			li.by = "the package.json start script"
		case regexp.MustCompile(`"(next|nuxt|@remix-run/dev|@nestjs/config|@redwoodjs/core)"\s*:`).Match(pkg):
			li.by = "the framework"
		case regexp.MustCompile(`--env-file|--env\b`).Match(p.file("deno.json")) || regexp.MustCompile(`--env-file|--env\b`).Match(p.file("deno.jsonc")):
			li.by = "deno --env-file"
		}
		if li.by != "" {
			return li
		}
		esm := ext == ".mjs" || ext == ".mts" || (ext != ".cjs" && ext != ".cts" && (esmTypeRe.Match(pkg) || esmSyntaxRe.Match(src)))
		switch {
		case jsDeclares.Match(pkg):
			line := `require("dotenv").config();`
			if esm {
				line = `import "dotenv/config";`
			}
			li.adds, li.edits = "dotenv", []Edit{*jsTopInsert(src, line)}
			return li
		case p.Files != nil && (!li.ts || typesNodeHasLoadEnvFile(pkg)):
			// Node 20.12+ reads .env itself; the try keeps a program that
			// runs without a .env file (production, CI: variables set by
			// the platform) or on an older Node working as before.
			li.adds = "Node's process.loadEnvFile"
			li.edits = []Edit{*jsTopInsert(src, "try { process.loadEnvFile(); } catch {} // Node 20.12+: read .env when there is one")}
			return li
		}
		li.setup = "npm i dotenv and import \"dotenv/config\" first, or run node --env-file=.env"
	case langGo:
		if p.anySource(src, goLoads, ".go") {
			li.by = "godotenv"
			return li
		}
		if goDeclares.Match(p.file("go.mod")) {
			li.adds = "godotenv"
			return li // rewriteGo adds the import
		}
		li.setup = "go get github.com/joho/godotenv and import _ \"github.com/joho/godotenv/autoload\", " + exportHint
	case langRuby:
		if p.anySource(src, rbLoads, ".rb", ".ru") || rbRailsLoads.Match(p.file("Gemfile")) {
			li.by = "dotenv"
			return li
		}
		if rbDeclares.Match(p.file("Gemfile")) {
			li.adds, li.edits = "dotenv", []Edit{*rubyTopInsert(src, `require "dotenv/load"`)}
			return li
		}
		li.setup = "add gem \"dotenv\" and require \"dotenv/load\", " + exportHint
	case langPHP:
		composer := p.file("composer.json")
		li.php7 = php7Re.Match(composer)
		switch {
		case phpLaravel.Match(composer) || p.has("artisan"):
			li.by, li.phpStyle = "Laravel", "laravel"
			return li
		case phpDeclares.Match(composer) && p.anySource(src, phpLoads, ".php"):
			li.by, li.phpStyle = "phpdotenv", "phpdotenv"
			return li
		case phpDeclares.Match(composer):
			if loc := phpAutoloadRe.FindIndex(src); loc != nil {
				li.adds, li.phpStyle = "phpdotenv", "phpdotenv"
				li.edits = []Edit{{loc[1], loc[1], phpDirExpr(p.DocRel) + nlOf(src)}}
				if !bytes.HasSuffix(src[:loc[1]], []byte("\n")) {
					li.edits[0].NewText = nlOf(src) + li.edits[0].NewText
				}
				return li
			}
		}
		li.setup = "composer require vlucas/phpdotenv and call Dotenv\\Dotenv::createImmutable(__DIR__)->safeLoad(), " + exportHint
	case langRust:
		if p.anySource(src, rsLoads, ".rs") {
			li.by = "dotenvy"
			return li
		}
		if rsDeclares.Match(p.file("Cargo.toml")) {
			if loc := rsMainRe.FindIndex(src); loc != nil {
				crate := "dotenvy"
				if !regexp.MustCompile(`(?m)^\s*dotenvy\s*=`).Match(p.file("Cargo.toml")) {
					crate = "dotenv"
				}
				li.adds = crate
				li.edits = []Edit{{loc[1], loc[1], nlOf(src) + "    " + crate + "::dotenv().ok();"}}
				return li
			}
		}
		li.setup = "cargo add dotenvy and call dotenvy::dotenv().ok() first in main, " + exportHint
	case langCSharp:
		if p.anySource(src, csLoads, ".cs") {
			li.by = "DotNetEnv"
			return li
		}
		if p.csprojHas(csDeclares) {
			if loc := csMainRe.FindIndex(src); loc != nil {
				li.adds = "DotNetEnv"
				li.edits = []Edit{{loc[1], loc[1], " DotNetEnv.Env.Load();"}}
				return li
			}
		}
		li.setup = "dotnet add package DotNetEnv and call DotNetEnv.Env.Load() first in Main, " + exportHint
	case langR:
		if p.anySource(src, rLoads, ".R", ".r") {
			li.by = "readRenviron"
			return li
		}
		if p.Files == nil {
			li.setup = "call readRenviron(\".env\") at startup, " + exportHint
			return li
		}
		// R reads KEY=value files itself.
		li.adds = "readRenviron"
		li.edits = []Edit{*topInsert(src, `if (file.exists(".env")) readRenviron(".env")`, "library(")}
		return li
	case langElixir:
		if p.anySource(src, exLoads, ".ex", ".exs") {
			li.by = "dotenvy"
			return li
		}
		li.setup = "Elixir does not read .env: " + strings.TrimPrefix(exportHint, "or ")
	case langShell:
		if shLoads.Match(src) {
			li.by = "the script"
			return li
		}
		li.setup = strings.TrimPrefix(exportHint, "or ")
	case langCompose:
		li.by = "docker compose" // reads the .env beside the compose file
	case langJava, langKotlin:
		li.setup = "the JVM does not read .env: " + strings.TrimPrefix(exportHint, "or ")
		if p.manifestHas(springEnvImport, "src/main/resources/application.properties", "src/main/resources/application.yml") {
			// Spring imports .env as properties: @Value sees them,
			// System.getenv does not.
			li.setup = "Spring's spring.config.import reads .env as properties, not environment variables: read it with @Value(\"${" + "NAME}\") or " + strings.TrimPrefix(exportHint, "or ")
		}
	case langTerraform:
		li.setup = "Terraform reads TF_VAR_ variables from the environment: run set -a; . ./.env; set +a before terraform"
	default:
		li.setup = strings.TrimPrefix(exportHint, "or ")
	}
	return li
}

// typesNodeHasLoadEnvFile: @types/node 20.12 and later declare
// process.loadEnvFile, so TypeScript accepts the call.
func typesNodeHasLoadEnvFile(pkg []byte) bool {
	m := typesNodeRe.FindSubmatch(pkg)
	if m == nil {
		return false
	}
	major, _ := strconv.Atoi(string(m[1]))
	minor, _ := strconv.Atoi(string(m[2]))
	return major > 20 || major == 20 && minor >= 12
}

func nlOf(src []byte) string {
	if bytes.Contains(src, []byte("\r\n")) {
		return "\r\n"
	}
	return "\n"
}

// phpDirExpr loads the package folder's .env from a file docRel deep in it.
func phpDirExpr(docRel string) string {
	dir := "__DIR__"
	if n := strings.Count(docRel, "/"); n > 0 {
		dir = "dirname(__DIR__, " + strconv.Itoa(n) + ")"
	}
	return "Dotenv\\Dotenv::createImmutable(" + dir + ")->safeLoad();"
}

// pythonLoaderEdit puts `from dotenv import load_dotenv` and the call after
// the module's header (docstring, imports), before the first statement
// that could read the environment. nil if that point is after the key.
func pythonLoaderEdit(src []byte, keyAt int) *Edit {
	ls := lines(src)
	toks := lex(langPython, src)
	i := 0
	inParen := false
	for i < len(ls) {
		t := ls[i].text
		trim := strings.TrimSpace(t)
		switch {
		case inParen:
			if strings.Contains(t, ")") {
				inParen = false
			}
		case trim == "" || strings.HasPrefix(trim, "#"):
		case strings.HasPrefix(t, "import ") || strings.HasPrefix(t, "from "):
			if strings.Contains(t, "(") && !strings.Contains(t, ")") {
				inParen = true
			}
		default:
			// a module docstring (or any string statement) before the code
			if tk, ok := tokAt(toks, ls[i].start); ok && tk.terminated {
				for i+1 < len(ls) && ls[i+1].start < tk.end {
					i++
				}
				break
			}
			goto found
		}
		i++
	}
found:
	p := len(src)
	if i < len(ls) {
		p = ls[i].start
	}
	if p > keyAt {
		return nil
	}
	nl := nlOf(src)
	text := "from dotenv import load_dotenv" + nl + nl + "load_dotenv()" + nl
	if i < len(ls) {
		text += nl
	} else if len(src) > 0 && !bytes.HasSuffix(src, []byte("\n")) {
		text = nl + text
	}
	return &Edit{p, p, text}
}

// jsTopInsert puts a line at the top of a JavaScript/TypeScript module:
// after a shebang, leading comments and directive prologue ("use client"
// must stay first), before everything else.
func jsTopInsert(src []byte, text string) *Edit {
	ls := lines(src)
	i := 0
	inBlock := false
	for i < len(ls) {
		t := strings.TrimSpace(ls[i].text)
		switch {
		case inBlock:
			if strings.Contains(t, "*/") {
				inBlock = false
			}
		case i == 0 && strings.HasPrefix(t, "#!"), t == "", strings.HasPrefix(t, "//"):
		case strings.HasPrefix(t, "/*"):
			inBlock = !strings.Contains(t, "*/")
		case regexp.MustCompile(`^["']use [\w ]+["'];?$`).MatchString(t):
		default:
			goto done
		}
		i++
	}
done:
	// back over trailing blank lines, so the insertion sits right above
	// the code
	for i > 0 && strings.TrimSpace(ls[i-1].text) == "" {
		i--
	}
	if i == 0 {
		return insertAt(src, 0, text, false, len(ls) > 0 && !isImportLine(ls[0].text))
	}
	return insertAt(src, lineEndOffset(src, ls, i-1), text, false, false)
}

func tokAt(toks []strTok, at int) (strTok, bool) {
	for _, t := range toks {
		if t.start == at {
			return t, true
		}
	}
	return strTok{}, false
}

func isImportLine(s string) bool {
	return strings.HasPrefix(s, "import ") || strings.Contains(s, "require(")
}

// rubyTopInsert puts a require after the shebang and magic comments.
func rubyTopInsert(src []byte, text string) *Edit {
	ls := lines(src)
	i := 0
	for i < len(ls) && strings.HasPrefix(ls[i].text, "#") {
		i++
	}
	next := i < len(ls) && strings.TrimSpace(ls[i].text) != "" && !strings.HasPrefix(ls[i].text, "require")
	return insertAt(src, lineEndOffset(src, ls, i-1), text, false, next)
}
