package diagnostics

// Provider describes an AI provider whose keys the detector knows.
type Provider struct {
	ID   string // stable id used in findings and settings: "openai"
	Name string // display name: "OpenAI"
	// EnvVars are the variables the provider's own SDK reads, preferred
	// first: the move-to-env fix names the variable EnvVars[0].
	EnvVars []string
}

// STUB: completed with the rule table.
var providers = []Provider{
	{ID: "openai", Name: "OpenAI", EnvVars: []string{"OPENAI_API_KEY"}},
	{ID: "anthropic", Name: "Anthropic", EnvVars: []string{"ANTHROPIC_API_KEY"}},
	{ID: "gemini", Name: "Google Gemini", EnvVars: []string{"GEMINI_API_KEY", "GOOGLE_API_KEY"}},
	{ID: "groq", Name: "Groq", EnvVars: []string{"GROQ_API_KEY"}},
	{ID: "huggingface", Name: "Hugging Face", EnvVars: []string{"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}},
	{ID: "generic", Name: "API key", EnvVars: []string{"API_KEY"}},
}

// Providers lists every known provider.
func Providers() []Provider { return providers }

// ProviderByID finds a provider by id.
func ProviderByID(id string) (Provider, bool) {
	for _, p := range providers {
		if p.ID == id {
			return p, true
		}
	}
	return Provider{}, false
}
