package diagnostics

// Detector finds keys in documents. It is safe for concurrent use.
//
// STUB: the rule table, prefilter, filters and allow comments land with the
// detection work (issue 3); this file fixes the API that lsp and envscan use.
type Detector struct{}

// Options tune a Detector.
type Options struct {
	// DisableClientSide turns client-side findings into plain hardcoded-key ones.
	DisableClientSide bool
}

// New builds a Detector over the built-in rule table.
func New(opts Options) *Detector { return &Detector{} }

// Default is a Detector with default options.
var Default = New(Options{})

// Scan returns the keys in content, in order of offset. path decides the
// context: `.env` files yield nothing (envscan owns them) except
// `.env.example`/`.env.sample`; client-side files (.jsx .tsx .vue .svelte
// .html) and NEXT_PUBLIC_/VITE_ variables yield CodeClientSideKey findings.
// Path may be empty or a bare file name.
func (d *Detector) Scan(path string, content []byte) []Finding { return nil }

// Match is what Identify learns about a bare value.
type Match struct {
	Provider string // provider id
	Rule     string // key-format rule id
}

// Identify tells which provider's key format value has, for values that are
// a key and nothing else (a .env value). Placeholders and low-entropy values
// are not keys.
func (d *Detector) Identify(value string) (Match, bool) { return Match{}, false }
