package envfix

import (
	"bytes"
	"regexp"
	"strings"
)

// Terraform reads no .env, but it reads TF_VAR_name from the environment
// into var.name: the fix declares a sensitive variable, uses it where the
// key was and saves TF_VAR_name in .env for the user to export.

var (
	tfVariableBlock = regexp.MustCompile(`(?m)^\s*variable\s+"([\w-]+)"\s*\{`)
	tfDefaultRe     = regexp.MustCompile(`^\s*default\s*=\s*$`)
)

// tfVarName is the Terraform variable for an env name: OPENAI_API_KEY →
// openai_api_key.
func tfVarName(envName string) string { return strings.ToLower(envName) }

// rewriteTerraform plans the source edits; name is the TF_VAR_ variable.
func rewriteTerraform(src []byte, start, end int, name string) ([]Edit, error) {
	v := strings.TrimPrefix(name, "TF_VAR_")
	ls := bytes.LastIndexByte(src[:start], '\n') + 1
	line := src[ls:start]
	if bytes.Contains(line, []byte("<<")) || bytes.Count(line, []byte(`"`))-bytes.Count(line, []byte(`\"`)) != 1 {
		return nil, unsafef("the key is not in a one-line Terraform string")
	}
	q := ls + bytes.LastIndexByte(line, '"')
	e := bytes.IndexByte(src[end:], '"')
	if e < 0 || bytes.ContainsAny(src[end:end+e], "\n") {
		return nil, unsafef("the Terraform string is not closed on its line")
	}
	closeAt := end + e
	if tfDefaultRe.Match(src[ls:q]) && insideVariableBlock(src, q) {
		return nil, unsafef("a variable's default cannot refer to another variable; pass the key with TF_VAR_ instead")
	}
	var edits []Edit
	if q+1 == start && closeAt == end {
		edits = append(edits, Edit{q, closeAt + 1, "var." + v})
	} else {
		if oddTrailingBackslashes(string(src[q+1 : start])) {
			return nil, unsafef("the key follows an escape sequence")
		}
		edits = append(edits, Edit{start, end, "${var." + v + "}"})
	}
	declared := false
	for _, m := range tfVariableBlock.FindAllSubmatch(src, -1) {
		if string(m[1]) == v {
			declared = true
		}
	}
	if !declared {
		nl := nlOf(src)
		text := nl + `variable "` + v + `" {` + nl + "  type      = string" + nl + "  sensitive = true" + nl + "}" + nl
		if len(src) > 0 && !bytes.HasSuffix(src, []byte("\n")) {
			text = nl + text
		}
		edits = append(edits, Edit{len(src), len(src), text})
	}
	return edits, nil
}

// insideVariableBlock: offset i is inside a `variable "x" { … }` block.
func insideVariableBlock(src []byte, i int) bool {
	locs := tfVariableBlock.FindAllIndex(src[:i], -1)
	if len(locs) == 0 {
		return false
	}
	open := locs[len(locs)-1][1]
	return bytes.Count(src[open:i], []byte("{")) >= bytes.Count(src[open:i], []byte("}"))
}
