package envfix

import (
	"bytes"
	"encoding/json"
	"strings"
)

// A raw .ipynb is JSON: each cell's code is an array of JSON strings, one
// per line. The fix decodes the cell holding the key, rewrites it as
// Python (the lookup, `import os` at the cell's top, the loader magic)
// and writes the cell back as JSON strings, so that the file stays a
// valid notebook.

// jsonString is one JSON string token: [start, end) includes the quotes.
type jsonString struct {
	start, end int
	text       string
}

// jsonStringAt returns the JSON string token containing offset at.
func jsonStringAt(src []byte, at int) (jsonString, bool) {
	// Walk the file's strings from the start: escapes make a backward
	// scan ambiguous.
	for i := 0; i < len(src); i++ {
		if src[i] != '"' {
			continue
		}
		j := i + 1
		for j < len(src) && src[j] != '"' {
			if src[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(src) {
			return jsonString{}, false
		}
		if i < at && at < j {
			var s string
			if err := json.Unmarshal(src[i:j+1], &s); err != nil {
				return jsonString{}, false
			}
			return jsonString{i, j + 1, s}, true
		}
		i = j
	}
	return jsonString{}, false
}

// sourceArray returns the strings of the JSON array holding the string
// at, and the array's [ and ] offsets.
func sourceArray(src []byte, at jsonString) (strs []jsonString, open, close int, ok bool) {
	// back to the '[' over strings, commas and space
	i := at.start - 1
	for i >= 0 {
		switch src[i] {
		case ' ', '\t', '\r', '\n', ',':
			i--
		case '"':
			// the end of the previous string: find its start
			k := i - 1
			for k >= 0 {
				if src[k] == '"' {
					bs := 0
					for m := k - 1; m >= 0 && src[m] == '\\'; m-- {
						bs++
					}
					if bs%2 == 0 {
						break
					}
				}
				k--
			}
			if k < 0 {
				return nil, 0, 0, false
			}
			i = k - 1
		case '[':
			open = i
			goto found
		default:
			return nil, 0, 0, false
		}
	}
	return nil, 0, 0, false
found:
	j := open + 1
	for j < len(src) {
		switch src[j] {
		case ' ', '\t', '\r', '\n', ',':
			j++
		case '"':
			s, ok := jsonStringAt(src, j+1)
			if !ok || s.start != j {
				return nil, 0, 0, false
			}
			strs = append(strs, s)
			j = s.end
		case ']':
			return strs, open, j, true
		default:
			return nil, 0, 0, false
		}
	}
	return nil, 0, 0, false
}

var notebookLoads = []byte(`%dotenv`)

// rewriteNotebook plans the source edits for a key in a raw .ipynb.
func rewriteNotebook(req Request, name string) ([]Edit, loaderInfo, error) {
	src := req.Content
	f := req.Finding
	str, ok := jsonStringAt(src, f.Start)
	if !ok || !strings.Contains(str.text, f.Key) || strings.Count(str.text, f.Key) != 1 {
		return nil, loaderInfo{}, unsafef("the key is not in one notebook source string")
	}
	strs, open, _, ok := sourceArray(src, str)
	if !ok {
		return nil, loaderInfo{}, unsafef("the key is not in a cell's source array")
	}
	var cell strings.Builder
	keyAt := -1
	for _, s := range strs {
		if s.start == str.start {
			keyAt = cell.Len() + strings.Index(s.text, f.Key)
		}
		cell.WriteString(s.text)
	}
	code := []byte(cell.String())
	edits, err := rewriteCode(langPython, flavor{}, code, keyAt, keyAt+len(f.Key), name)
	if err != nil {
		return nil, loaderInfo{}, err
	}
	var li loaderInfo
	switch {
	case bytes.Contains(src, notebookLoads):
		li.by = "%dotenv"
	case req.Project.manifestHas(pyDeclares, "requirements.txt", "requirements-dev.txt", "pyproject.toml", "Pipfile", "environment.yml"):
		li.adds = "%dotenv"
		edits = append([]Edit{{0, 0, "%load_ext dotenv\n%dotenv\n"}}, edits...)
	default:
		li.setup = "run %load_ext dotenv and %dotenv in the first cell (pip install python-dotenv)"
	}
	newCode, err := Apply(code, edits)
	if err != nil {
		return nil, loaderInfo{}, err
	}
	// Back to JSON strings, one per line as Jupyter writes them, with the
	// separator the file already uses between them.
	sep := ", "
	if len(strs) > 1 {
		sep = string(src[strs[0].end:strs[1].start])
	} else if i := bytes.IndexByte(src[open:strs[0].start], '\n'); i >= 0 {
		sep = "," + string(src[open+i:strs[0].start])
	}
	var parts []string
	for _, line := range strings.SplitAfter(string(newCode), "\n") {
		if line == "" {
			continue
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(line); err != nil {
			return nil, loaderInfo{}, err
		}
		parts = append(parts, strings.TrimSuffix(b.String(), "\n"))
	}
	from, to := strs[0].start, strs[len(strs)-1].end
	return []Edit{{from, to, strings.Join(parts, sep)}}, li, nil
}
