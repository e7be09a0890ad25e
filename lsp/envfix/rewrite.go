package envfix

import (
	"bytes"
	"regexp"
	"strings"
)

// lookup is the language's expression that reads the variable.
//
// Choices that are not obvious:
//   - C#: System.Environment.GetEnvironmentVariable, fully qualified, so that
//     it compiles without `using System;` and even where the program has its
//     own type called Environment (a common enum name); only a namespace
//     called System would shadow it.
//   - Swift and Dart: the environment is a dictionary, so the lookup is an
//     Optional; a postfix `!` makes it a String that compiles wherever the
//     literal did (`let apiKey = "…"` used as a String) and, being postfix,
//     binds tighter than any operator around it, so no parentheses are ever
//     needed. A missing variable then stops the program at the lookup, the
//     same fail-fast as Python's os.environ[…], Ruby's ENV.fetch and Rust's
//     expect.
//   - Ruby: ENV.fetch raises KeyError when unset rather than passing nil on.
//   - Rust: var(…).expect(…) is a String where the literal was a &str; see
//     rewriteCode for the borrow that keeps &str call sites compiling.
//   - R: base R has no lookup that fails (Sys.getenv gives "" when unset,
//     and its unset= argument is always evaluated), so the lookup is a call
//     of a small helper added once per file; see rhelper.go for why.
func lookup(l lang, name string) string { return lookupExpr(l, flavor{}, name) }

// flavor is what the lookup depends on besides the language: whether the
// JavaScript is TypeScript, and which way a PHP project reads its .env.
type flavor struct {
	ts       bool
	phpStyle string // "laravel" (env()), "phpdotenv" ($_ENV), "" (getenv)
	php7     bool   // no throw expressions
}

// lookupExpr is the lookup that fails loudly when the variable is unset,
// wherever the language has an expression for that: an empty key sent to
// the provider fails far from the cause, with a 401 that looks like a
// revoked key.
func lookupExpr(l lang, fl flavor, name string) string {
	missing := name + " is not set (see .env)"
	switch l {
	case langPython:
		return `os.environ["` + name + `"]`
	case langJS:
		// missingEnv returns never, so the whole is a string under
		// --strict wherever the literal was.
		return "process.env." + name + ` ?? missingEnv("` + name + `")`
	case langGo:
		return `os.Getenv("` + name + `")`
	case langJava:
		return `java.util.Objects.requireNonNull(System.getenv("` + name + `"), "` + missing + `")`
	case langKotlin:
		return `System.getenv("` + name + `") ?: error("` + missing + `")`
	case langCSharp:
		return `System.Environment.GetEnvironmentVariable("` + name + `") ?? throw new System.InvalidOperationException("` + missing + `")`
	case langRuby:
		return `ENV.fetch("` + name + `")`
	case langPHP:
		var get string
		switch fl.phpStyle {
		case "laravel":
			get = `env('` + name + `')`
		case "phpdotenv":
			// phpdotenv fills $_ENV, not getenv(), unless told to.
			get = `$_ENV['` + name + `']`
		default:
			get = `getenv('` + name + `')`
		}
		if fl.php7 {
			return get
		}
		op := " ?? "
		if fl.phpStyle == "" {
			op = " ?: " // getenv gives false
		}
		return "(" + get + op + `throw new \RuntimeException('` + missing + `'))`
	case langRust:
		return `std::env::var("` + name + `").expect("` + name + ` must be set")`
	case langSwift:
		return `ProcessInfo.processInfo.environment["` + name + `"]!`
	case langDart:
		return `Platform.environment['` + name + `']!`
	case langLua:
		return `(os.getenv("` + name + `") or error("` + missing + `"))`
	case langR:
		return rHelperName + `("` + name + `")`
	case langElixir:
		return `System.fetch_env!("` + name + `")`
	}
	return ""
}

// loose reports whether the lookup is an expression of binary operators
// (?? ?: …) that needs parentheses next to other operators.
func loose(l lang) bool {
	return l == langJS || l == langKotlin || l == langCSharp
}

// concatOp joins string pieces where the literal cannot interpolate.
var concatOp = map[lang]string{
	langPython: " + ", langJS: " + ", langGo: " + ", langJava: " + ", langKotlin: " + ",
	langCSharp: " + ", langRuby: " + ", langPHP: " . ", langLua: " .. ", langDart: " + ",
}

// rewriteCode plans the source edits for every language but Go, shell and
// YAML, which have their own.
func rewriteCode(l lang, fl flavor, src []byte, start, end int, name string) ([]Edit, error) {
	toks := lex(l, src)
	t, ok, inHole := enclosing(toks, start, end)
	if !ok {
		return nil, unsafef("the key is not inside a string literal")
	}
	if inHole {
		return nil, unsafef("the key is inside an interpolated expression")
	}
	if (l == langPython || l == langCSharp) && insideHole(toks, t) {
		// Before Python 3.12 (and in older C#) a literal inside an f-string
		// hole cannot use the outer quote, which the lookup would.
		return nil, unsafef("the key is a literal inside an interpolated string's expression")
	}
	if !t.terminated {
		return nil, unsafef("the string literal holding the key is not terminated")
	}
	whole := t.bodyStart == start && t.bodyEnd == end
	switch t.kind {
	case "char", "command", "charlist":
		return nil, unsafef("the key is inside a %s literal", t.kind)
	case "heredoc":
		if t.interp == "" {
			return nil, unsafef("the key is inside a heredoc that does not interpolate")
		}
		whole = false // the heredoc's opener and body are apart: insert a hole
	case "sigil", "textblock", "raw":
		if !whole {
			return nil, unsafef("the key is part of a %s literal", t.kind)
		}
	}
	if err := contextOK(l, src, t); err != nil {
		return nil, err
	}
	if l == langElixir && elixirAttrRe.MatchString(lineBefore(src, t.start)) {
		if !whole {
			return nil, unsafef("the key is part of a module attribute's string")
		}
		return elixirAttribute(src, toks, t, lookupExpr(l, fl, name))
	}
	var edits []Edit
	expr := lookupExpr(l, fl, name)
	switch {
	case whole:
		repl := expr
		if loose(l) && !standalone(src, t.start, t.end) {
			repl = "(" + expr + ")"
		}
		switch l {
		case langPython:
			if t.kind == "bytes" {
				repl = expr + ".encode()"
			}
		case langRust:
			if t.kind == "bytes" {
				return nil, unsafef("the key is a Rust byte string")
			}
			// A &str literal becomes a borrowed String: the temporary lives
			// as long as a `let` binding, and &String coerces to &str at
			// call sites. A method call on the literal needs the value.
			if nextSig(src, t.end) != '.' {
				repl = rustBorrow(src, t.start, expr)
			}
		case langRuby:
			// :"sk-…" and {"sk-…": v} are Symbols, not Strings.
			if t.start > 0 && src[t.start-1] == ':' && (t.start < 2 || src[t.start-2] != ':') {
				edits = append(edits, Edit{t.start - 1, t.start, ""})
				repl = expr + ".to_sym"
			} else if t.end < len(src) && src[t.end] == ':' && (t.end+1 >= len(src) || src[t.end+1] != ':') {
				edits = append(edits, Edit{t.end, t.end + 1, ".to_sym =>"})
			}
		case langJS:
			if jsxAttribute(src, t.start) {
				repl = "{" + expr + "}"
			}
			// (Lua: f"…" is a call; the lookup's own parentheses keep
			// f (…) one.)
		}
		edits = append(edits, Edit{t.start, t.end, repl})
	default:
		e, err := partial(l, fl, src, t, start, end, name)
		if err != nil {
			return nil, err
		}
		edits = append(edits, e)
	}
	ctx, err := contextEdits(l, src, t)
	if err != nil {
		return nil, err
	}
	edits = append(edits, ctx...)
	imp, err := importEdit(l, src, toks, t.start)
	if err != nil {
		return nil, err
	}
	if imp != nil {
		edits = append(edits, *imp)
	}
	if l == langJS && !missingEnvRe.Match(src) {
		edits = append(edits, missingEnvHelper(src, fl.ts))
	}
	if l == langR && !rHelperRe.Match(src) {
		edits = append(edits, rHelperEdit(src, toks, t.start))
	}
	return edits, nil
}

var missingEnvRe = regexp.MustCompile(`\bfunction\s+missingEnv\s*\(`)

// missingEnvHelper appends the function the JavaScript lookup calls when
// the variable is unset. A function declaration is hoisted, so the lookup
// may run before this line (module top level included).
func missingEnvHelper(src []byte, ts bool) Edit {
	nl := nlOf(src)
	sig := "function missingEnv(name) {"
	if ts {
		sig = "function missingEnv(name: string): never {"
	}
	text := nl + sig + nl + "  throw new Error(name + \" is not set (see .env)\");" + nl + "}" + nl
	if len(src) > 0 && !bytes.HasSuffix(src, []byte("\n")) {
		text = nl + text
	}
	return Edit{len(src), len(src), text}
}

// partial handles a key that is only part of its literal: an interpolation
// hole where the literal interpolates, else concatenation of the pieces.
func partial(l lang, fl flavor, src []byte, t strTok, start, end int, name string) (Edit, error) {
	expr := lookupExpr(l, fl, name)
	if l == langCSharp {
		expr = "(" + expr + ")" // in a hole too: keeps ?? throw apart from format specifiers
	}
	if t.interp != "" {
		hole := ""
		switch t.interp {
		case "${":
			hole = "${" + expr + "}"
		case "#{":
			hole = "#{" + expr + "}"
		case `\(`:
			hole = `\(` + expr + `)`
		case `\#(`:
			hole = `\#(` + expr + `)`
		case "{":
			if l == langPython {
				// Before Python 3.12 an f-string's holes cannot reuse its
				// own quote character.
				inner := `"`
				if strings.Contains(t.open, `"`) {
					inner = `'`
				}
				hole = "{os.environ[" + inner + name + inner + "]}"
			} else {
				hole = "{" + expr + "}"
			}
		}
		if t.kind == "bytes" {
			return Edit{}, unsafef("the key is inside a byte string")
		}
		return Edit{start, end, hole}, nil
	}
	before := string(src[t.bodyStart:start])
	after := string(src[end:t.bodyEnd])
	if !t.raw && oddTrailingBackslashes(before) {
		return Edit{}, unsafef("the key follows an escape sequence")
	}
	if t.raw && l == langPython && oddTrailingBackslashes(before) {
		return Edit{}, unsafef("a raw string piece cannot end in a backslash")
	}
	if len(t.open) == 3 && (strings.HasSuffix(before, t.close[:1]) || strings.HasPrefix(after, t.open[:1])) {
		if l == langPython && t.kind != "bytes" && !strings.ContainsAny(t.prefix, "bB") {
			// Split pieces would merge their quotes ("""…"""" """):
			// the string becomes an f-string with a hole instead, its
			// braces doubled, the hole quoted with the other quote.
			prefix := strings.NewReplacer("u", "", "U", "").Replace(t.prefix) + "f"
			inner := `'`
			if strings.Contains(t.open, `'`) {
				inner = `"`
			}
			esc := strings.NewReplacer("{", "{{", "}", "}}")
			lit := prefix + t.open + esc.Replace(before) + "{os.environ[" + inner + name + inner + "]}" + esc.Replace(after) + t.close
			return Edit{t.start, t.end, lit}, nil
		}
		return Edit{}, unsafef("splitting the triple-quoted string would merge quotes")
	}
	if t.kind == "bytes" {
		return Edit{}, unsafef("the key is inside a byte string")
	}
	if loose(l) && l != langCSharp {
		expr = "(" + expr + ")"
	}
	piece := func(s string) string { return t.prefix + t.open + s + t.close }
	var expr2 string
	switch l {
	case langRust:
		esc := strings.NewReplacer("{", "{{", "}", "}}")
		lit := t.prefix + t.open + esc.Replace(before) + "{}" + esc.Replace(after) + t.close
		expr2 = "format!(" + lit + ", " + expr + ")"
		if nextSig(src, t.end) != '.' {
			expr2 = rustBorrow(src, t.start, expr2)
		}
		return Edit{t.start, t.end, expr2}, nil
	case langR:
		var parts []string
		if before != "" {
			parts = append(parts, piece(before))
		}
		parts = append(parts, expr)
		if after != "" {
			parts = append(parts, piece(after))
		}
		return Edit{t.start, t.end, "paste0(" + strings.Join(parts, ", ") + ")"}, nil
	case langLua:
		if t.kind == "long" && strings.HasPrefix(after, "\n") {
			return Edit{}, unsafef("a Lua long string drops a leading newline")
		}
	}
	op, ok := concatOp[l]
	if !ok {
		return Edit{}, unsafef("no safe way to split this %s string", l)
	}
	var parts []string
	if before != "" {
		parts = append(parts, piece(before))
	}
	parts = append(parts, expr)
	if after != "" {
		parts = append(parts, piece(after))
	}
	expr2 = strings.Join(parts, op)
	if l == langJS && jsxAttribute(src, t.start) {
		return Edit{t.start, t.end, "{" + expr2 + "}"}, nil
	}
	if !standalone(src, t.start, t.end) {
		expr2 = "(" + expr2 + ")"
	}
	return Edit{t.start, t.end, expr2}, nil
}

// jsxTagBefore matches the text of an opening JSX tag up to `attr=`.
var jsxTagBefore = regexp.MustCompile(`<[A-Za-z][\w.:-]*(\s+[\w:-]+(=("[^"]*"|'[^']*'|\{[^{}]*\}))?)*\s+[\w:-]+=$`)

// jsxAttribute reports whether the literal at start is a JSX attribute
// value (<Chat apiKey="…" />), where an expression needs braces.
func jsxAttribute(src []byte, start int) bool {
	from := max(0, start-2000)
	return jsxTagBefore.Match(src[from:start])
}

func insideHole(toks []strTok, t strTok) bool {
	for _, o := range toks {
		for _, h := range o.holes {
			if h[0] <= t.start && t.end <= h[1] {
				return true
			}
		}
	}
	return false
}

func oddTrailingBackslashes(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

func prevSig(src []byte, i int) byte {
	for i--; i >= 0; i-- {
		switch src[i] {
		case ' ', '\t', '\r':
			continue
		}
		return src[i]
	}
	return '\n'
}

func nextSig(src []byte, i int) byte {
	for ; i < len(src); i++ {
		switch src[i] {
		case ' ', '\t', '\r':
			continue
		}
		return src[i]
	}
	return '\n'
}

// standalone reports whether the literal sits where any expression can
// replace it without parentheses: between an assignment/argument/element
// opener and a closer. Elsewhere (after an operator, before a method call)
// the concatenation gets parentheses, which every supported language
// accepts around an expression.
func standalone(src []byte, start, end int) bool {
	p := prevSig(src, start)
	n := nextSig(src, end)
	if strings.IndexByte("=(,[{:;\n", p) < 0 {
		return false
	}
	if p == '=' && start >= 2 && strings.IndexByte("=!<>", prevSigAt(src, start, 2)) >= 0 {
		return false
	}
	return strings.IndexByte("),;]}\n#", n) >= 0
}

func prevSigAt(src []byte, start, k int) byte {
	i := start
	for ; i > 0 && (src[i-1] == ' ' || src[i-1] == '\t'); i-- {
	}
	if i-k >= 0 {
		return src[i-k]
	}
	return 0
}

var (
	rustConstRe   = regexp.MustCompile(`^\s*(pub(\([^)]*\))?\s+)?(const|static)\b`)
	csharpConstRe = regexp.MustCompile(`\bconst\b`)
	annotationRe  = regexp.MustCompile(`@\w[\w.]*\s*\([^)]*$`)
	caseRe        = regexp.MustCompile(`^\s*case\b`)
	kotlinConstRe = regexp.MustCompile(`\bconst\s+val\b`)
	dartConstRe   = regexp.MustCompile(`^(\s*(?:static\s+)?)const(\s+(?:[\w<>?,\s]+\s+)?\w+\s*=\s*)$`)
	dartAnyConst  = regexp.MustCompile(`\bconst\b`)
	attributeRe   = regexp.MustCompile(`\[\w[\w.]*\s*\([^)]*$`)
)

func lineBefore(src []byte, i int) string {
	ls := bytes.LastIndexByte(src[:i], '\n') + 1
	return string(src[ls:i])
}

// contextOK refuses literals in places that require a compile-time constant,
// where no run-time lookup can go.
func contextOK(l lang, src []byte, t strTok) error {
	before := lineBefore(src, t.start)
	switch l {
	case langRust:
		if rustConstRe.MatchString(before) {
			return unsafef("a Rust const/static needs a constant value")
		}
	case langCSharp:
		if csharpConstRe.MatchString(before) {
			return unsafef("a C# const needs a constant value; make it static readonly first")
		}
		if attributeRe.MatchString(before) {
			return unsafef("an attribute argument needs a constant value")
		}
		if paramDefault(src, t.start) {
			return unsafef("an optional parameter's default needs a constant value")
		}
	case langJava, langKotlin:
		if annotationRe.MatchString(before) || inAnnotationArgs(src, t.start) {
			return unsafef("an annotation argument needs a constant value")
		}
		if n := declName.FindStringSubmatch(before); n != nil && constUseRe(n[1]).Match(src) {
			return unsafef("the constant %s is used in a case label or annotation, which need a constant value", n[1])
		}
	case langPHP:
		if phpConstRe.MatchString(before) || phpPropertyRe.MatchString(before) {
			return unsafef("a PHP constant or property default needs a constant expression; assign it in the constructor instead")
		}
		if paramDefault(src, t.start) {
			return unsafef("a parameter default needs a constant expression")
		}

	case langDart:
		if dartAnyConst.MatchString(before) && !dartConstRe.MatchString(before) {
			return unsafef("a Dart const expression needs a constant value")
		}
	}
	if l == langJS {
		if err := jsContextOK(src, t); err != nil {
			return err
		}
	}
	// Case labels that must be constants or patterns (JavaScript, Go and
	// Swift take any expression there).
	if (l == langJava || l == langCSharp || l == langDart || l == langPython) && caseRe.MatchString(before) {
		return unsafef("a case label needs a constant value or pattern")
	}
	if l == langRust && strings.HasPrefix(strings.TrimLeft(string(src[t.end:]), " \t"), "=>") {
		return unsafef("a match arm pattern cannot call a function")
	}
	// Adjacent literals concatenate implicitly in these languages; the
	// lookup next to a literal would not.
	if l == langPython || l == langRuby || l == langDart {
		p := prevSig(src, t.start)
		n := nextSig(src, t.end)
		if p == '"' || p == '\'' || n == '"' || n == '\'' {
			return unsafef("the literal is part of an implicit concatenation")
		}
	}
	return nil
}

// contextEdits turns a constant declaration into one that takes a run-time
// value: Kotlin `const val` → `val`, Dart `const x =` → `final x =`.
func contextEdits(l lang, src []byte, t strTok) ([]Edit, error) {
	before := lineBefore(src, t.start)
	ls := t.start - len(before)
	switch l {
	case langKotlin:
		if loc := kotlinConstRe.FindStringIndex(before); loc != nil {
			return []Edit{{ls + loc[0], ls + loc[1], "val"}}, nil
		}
	case langDart:
		if m := dartConstRe.FindStringSubmatchIndex(before); m != nil {
			at := ls + m[3]
			return []Edit{{at, at + len("const"), "final"}}, nil
		}
	}
	return nil, nil
}

var (
	asConstRe = regexp.MustCompile(`^\s*as\s+const\b`)
	enumRe    = regexp.MustCompile(`\benum\s+[\w$]+\s*\{`)
)

// jsContextOK refuses the JavaScript/TypeScript places where a literal
// cannot become an expression: a property name ({"sk-…": 1}), an `as
// const` value (its type is the literal itself) and an enum member.
func jsContextOK(src []byte, t strTok) error {
	if p, n := prevSig(src, t.start), nextSig(src, t.end); (p == '{' || p == ',') && n == ':' {
		return unsafef("the key is a property name, not a value")
	}
	if asConstRe.Match(src[statementEnd(src, t.end):]) {
		return unsafef("the key is part of an `as const` value, whose type is the literal itself")
	}
	if locs := enumRe.FindAllIndex(src[:t.start], -1); len(locs) > 0 {
		open := locs[len(locs)-1][1]
		if bytes.Count(src[open:t.start], []byte("{")) >= bytes.Count(src[open:t.start], []byte("}")) {
			return unsafef("an enum member needs a constant value")
		}
	}
	return nil
}

// statementEnd skips from i past the closers of the brackets the literal
// sits in, to where a trailing `as const` of its outermost expression
// would stand.
func statementEnd(src []byte, i int) int {
	depth := 0
	for ; i < len(src); i++ {
		switch src[i] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth < 0 {
				depth = 0 // closed a bracket the literal sits in
			}
		case ';', '\n':
			if depth == 0 {
				return i
			}
		case ' ', '\t', '\r', ',':
		default:
			if depth == 0 && src[i] == 'a' {
				return i
			}
		}
	}
	return i
}

var (
	// the name a field/constant declaration assigns: `static final String KEY = `
	declName      = regexp.MustCompile(`\b([A-Za-z_]\w*)\s*(?::\s*[\w<>?.]+\s*)?=\s*$`)
	phpConstRe    = regexp.MustCompile(`(?i)^\s*((final|public|private|protected)\s+)*const\s+(\w+\s+)?\w+\s*=\s*$`)
	phpPropertyRe = regexp.MustCompile(`(?i)^\s*((public|private|protected|static|readonly|var)\s+)+(\??[\w\\|]+\s+)?\$\w+\s*=\s*$`)
	elixirAttrRe  = regexp.MustCompile(`^\s*@(\w+)\s*$`)
	paramNameEq   = regexp.MustCompile(`[\w$\]>?]\s+\$?\w+\s*=\s*$|\(\s*\$\w+\s*=\s*$|,\s*\$\w+\s*=\s*$`)
	funcBeforeRe  = regexp.MustCompile(`(?i)(\bfunction\b|\bfn\b|[\w>\]]\s+\w+\s*(<[^>]*>)?\s*)$`)
)

// constUseRe finds a constant used where Java/Kotlin need a constant
// expression: a case label or an annotation argument.
func constUseRe(name string) *regexp.Regexp {
	q := regexp.QuoteMeta(name)
	return regexp.MustCompile(`\bcase\s+(\w+\.)?` + q + `\b|@\w[\w.]*\s*\([^)]*\b` + q + `\b`)
}

// openParen returns the offset of the innermost '(' still open at i
// (looking back at most 4 KiB, skipping nothing clever), or -1.
func openParen(src []byte, i int) int {
	depth := 0
	for j := i - 1; j >= 0 && j >= i-4096; j-- {
		switch src[j] {
		case ')':
			depth++
		case '(':
			if depth == 0 {
				return j
			}
			depth--
		case ';', '{', '}':
			return -1
		}
	}
	return -1
}

// inAnnotationArgs: the literal is inside @Name( … ) that spans lines.
func inAnnotationArgs(src []byte, i int) bool {
	p := openParen(src, i)
	if p < 0 {
		return false
	}
	return regexp.MustCompile(`@\w[\w.]*\s*$`).Match(src[max(0, p-200):p])
}

// paramDefault: the literal is a parameter's default value in a function
// declaration (C# optional parameters, PHP): `(string key = "…"`.
func paramDefault(src []byte, i int) bool {
	p := openParen(src, i)
	if p < 0 {
		return false
	}
	if !paramNameEq.Match(src[p:i]) {
		return false
	}
	return funcBeforeRe.Match(src[max(0, p-200):p]) && !regexp.MustCompile(`\b(if|while|for|foreach|switch|using|return|new|catch)\s*$`).Match(src[max(0, p-200):p])
}

// elixirAttribute moves a key out of a module attribute. `@key "…"` is
// evaluated when the module compiles, so `@key System.fetch_env!("X")`
// would bake the build machine's key into the release; instead every use
// of @key reads the variable at run time and the attribute goes.
func elixirAttribute(src []byte, toks []strTok, t strTok, expr string) ([]Edit, error) {
	before := lineBefore(src, t.start)
	name := elixirAttrRe.FindStringSubmatch(before)[1]
	ls := t.start - len(before)
	le := t.end
	for le < len(src) && (src[le] == ' ' || src[le] == '\t' || src[le] == '\r') {
		le++
	}
	if le < len(src) && src[le] != '\n' {
		return nil, unsafef("the module attribute's line holds more than the key")
	}
	if le < len(src) {
		le++
	}
	edits := []Edit{{ls, le, ""}}
	use := regexp.MustCompile(`@` + regexp.QuoteMeta(name) + `\b`)
	for _, m := range use.FindAllIndex(src, -1) {
		if m[0] >= ls && m[0] < le {
			continue
		}
		if _, ok, inHole := enclosing(toks, m[0], m[1]); ok && !inHole {
			continue // inside a string's text, not code
		}
		line := lineBefore(src, m[0])
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(line), "@") || strings.Contains(line, " when ") {
			return nil, unsafef("@%s is used at compile time (another attribute or a guard)", name)
		}
		if nextSig(src, m[1]) != '\n' && strings.TrimSpace(string(src[m[1]:min(len(src), m[1]+1)])) == "" && elixirAttrRe.MatchString(line+"@"+name) {
			return nil, unsafef("@%s is set again", name)
		}
		edits = append(edits, Edit{m[0], m[1], expr})
	}
	if len(edits) == 1 {
		return nil, unsafef("@%s is never used", name)
	}
	return edits, nil
}

var rustLetRe = regexp.MustCompile(`^\s*let\s+(mut\s+)?\w+\s*(:\s*[^=]+)?=\s*$`)

// rustBorrow turns the String lookup into the &str the literal was. Right
// after `let x =` a borrow of the temporary lives as long as x. Anywhere
// else (a struct field, vec![…], a map insert, a `-> &'static str`) the
// temporary would die at the end of the statement, so the String is leaked
// once into a &'static str (String::leak, Rust 1.72+): a few bytes, read
// at startup.
func rustBorrow(src []byte, at int, expr string) string {
	if rustLetRe.MatchString(lineBefore(src, at)) {
		return "&" + expr
	}
	return "&*" + expr + ".leak()"
}
