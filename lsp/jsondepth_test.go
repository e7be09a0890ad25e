package lsp

import (
	"strings"
	"testing"
)

func TestNestingExceeds(t *testing.T) {
	for _, tc := range []struct {
		json string
		want bool
	}{
		{`{"a":[1,2,{"b":3}]}`, false},
		{strings.Repeat("[", 256) + strings.Repeat("]", 256), false},
		{strings.Repeat("[", 257), true},
		{`{"t":"` + strings.Repeat("[", 1000) + `"}`, false},   // brackets inside a string
		{`{"t":"\"` + strings.Repeat("[", 1000) + `"}`, false}, // escaped quote keeps the string open
		{`{"t":"\\"` + strings.Repeat("[", 300) + `}`, true},   // escaped backslash closes it
		{`{"t":"` + strings.Repeat("{", 300), false},           // unterminated string: the decoder's to reject
		{strings.Repeat(`{"a":`, 300) + "1" + strings.Repeat("}", 300), true},
		{strings.Repeat("[]", 10000), false},
	} {
		if got := nestingExceeds([]byte(tc.json), maxNesting); got != tc.want {
			t.Errorf("nestingExceeds(%.40q) = %v, want %v", tc.json, got, tc.want)
		}
	}
}

func TestTopLevelScalar(t *testing.T) {
	for _, tc := range []struct{ json, key, want string }{
		{`{"jsonrpc":"2.0","id":12,"method":"x"}`, "id", "12"},
		{`{"id" : "a\"b","method":"x"}`, "id", `"a\"b"`},
		{`{"params":{"id":5},"id":-3}`, "id", "-3"},
		{`{"params":["id",{"id":5}],"method":"m"}`, "id", ""},
		{`{"params":"\"id\":9"}`, "id", ""},
		{`{"id":null}`, "id", ""},
		{`{"method":"initialize","params":` + strings.Repeat("[", 1000), "method", `"initialize"`},
	} {
		if got := string(topLevelScalar([]byte(tc.json), tc.key)); got != tc.want {
			t.Errorf("topLevelScalar(%.40q, %q) = %q, want %q", tc.json, tc.key, got, tc.want)
		}
	}
}
