package lsp

import (
	"encoding/json"
	"strings"
	"testing"
)

func FuzzDocText(f *testing.F) {
	for _, s := range []string{`""`, `"abc"`, `"a\nb\"c\\d\/e\u00e9\ud83d\ude00"`, `"\ud83d"`, `"\ud83dx"`, `"\udc00\ud83d"`,
		`"bad \x escape"`, "\"raw\nnewline\"", "\"\xff\xfe\"", `"\u12"`, `"tail\"`, `"a"b"`, `123`, `"\u0000"`, `"\t\r\b\f"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var want string
		wantErr := json.Unmarshal(raw, &want)
		var got docText
		gotErr := got.UnmarshalJSON(raw)
		if (wantErr == nil) != (gotErr == nil) {
			// encoding/json validates the whole input first; our
			// caller has already done that, so only compare on
			// valid input.
			if json.Valid(raw) {
				t.Fatalf("%q: error %v, encoding/json %v", raw, gotErr, wantErr)
			}
			return
		}
		if wantErr == nil && string(got) != want {
			t.Fatalf("%q: got %q, encoding/json %q", raw, got, want)
		}
	})
}

func BenchmarkDocText(b *testing.B) {
	s, _ := json.Marshal(strings.Repeat("value_1 = compute(1, 'some text here', other=[1, 2, 3])  # comment\n", 50000))
	b.SetBytes(int64(len(s)))
	for range b.N {
		var t docText
		if err := t.UnmarshalJSON(s); err != nil {
			b.Fatal(err)
		}
	}
}
