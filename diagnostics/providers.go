package diagnostics

// Provider describes an AI provider whose keys the detector knows.
type Provider struct {
	ID   string // stable id used in findings and settings: "openai"
	Name string // display name: "OpenAI"
	// EnvVars are the variables the provider's own SDK reads, preferred
	// first: the move-to-env fix names the variable EnvVars[0].
	EnvVars []string
	// Shape marks a key shape several providers share rather than one
	// provider: no SDK reads its variable, so ProviderForVar never
	// answers it.
	Shape bool
}

var providers = []Provider{
	{ID: "openai", Name: "OpenAI", EnvVars: []string{"OPENAI_API_KEY"}},
	{ID: "anthropic", Name: "Anthropic", EnvVars: []string{"ANTHROPIC_API_KEY", "CLAUDE_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN"}},
	{ID: "gemini", Name: "Google Gemini", EnvVars: []string{"GEMINI_API_KEY", "GOOGLE_API_KEY"}},
	{ID: "groq", Name: "Groq", EnvVars: []string{"GROQ_API_KEY"}},
	{ID: "mistral", Name: "Mistral AI", EnvVars: []string{"MISTRAL_API_KEY"}},
	{ID: "openrouter", Name: "OpenRouter", EnvVars: []string{"OPENROUTER_API_KEY"}},
	{ID: "xai", Name: "xAI", EnvVars: []string{"XAI_API_KEY"}},
	{ID: "perplexity", Name: "Perplexity", EnvVars: []string{"PERPLEXITY_API_KEY", "PPLX_API_KEY"}},
	{ID: "huggingface", Name: "Hugging Face", EnvVars: []string{"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HUGGINGFACEHUB_API_TOKEN"}},
	{ID: "deepseek", Name: "DeepSeek", EnvVars: []string{"DEEPSEEK_API_KEY"}},
	{ID: "together", Name: "Together AI", EnvVars: []string{"TOGETHER_API_KEY"}},
	{ID: "azure-openai", Name: "Azure OpenAI", EnvVars: []string{"AZURE_OPENAI_API_KEY", "AZURE_OPENAI_KEY"}},
	{ID: "replicate", Name: "Replicate", EnvVars: []string{"REPLICATE_API_TOKEN"}},
	{ID: "langsmith", Name: "LangSmith", EnvVars: []string{"LANGSMITH_API_KEY", "LANGCHAIN_API_KEY"}},
	{ID: "elevenlabs", Name: "ElevenLabs", EnvVars: []string{"ELEVENLABS_API_KEY", "XI_API_KEY"}},
	{ID: "nvidia", Name: "NVIDIA NIM", EnvVars: []string{"NVIDIA_API_KEY", "NGC_API_KEY"}},
	{ID: "cerebras", Name: "Cerebras", EnvVars: []string{"CEREBRAS_API_KEY"}},
	{ID: "cohere", Name: "Cohere", EnvVars: []string{"CO_API_KEY", "COHERE_API_KEY"}},
	{ID: "fireworks", Name: "Fireworks AI", EnvVars: []string{"FIREWORKS_API_KEY"}},
	{ID: "stability", Name: "Stability AI", EnvVars: []string{"STABILITY_API_KEY"}},
	{ID: "braintrust", Name: "Braintrust", EnvVars: []string{"BRAINTRUST_API_KEY"}},
	// A key shape several providers share (sk- + 48 alphanumerics:
	// Stability AI, Braintrust) found with no name nearby to say whose it
	// is.
	{ID: "sk-48", Name: "sk- key (Stability AI, Braintrust or other)", EnvVars: []string{"API_KEY"}, Shape: true},
	{ID: "tavily", Name: "Tavily", EnvVars: []string{"TAVILY_API_KEY"}},
	{ID: "fal", Name: "fal.ai", EnvVars: []string{"FAL_KEY"}},
	{ID: "baseten", Name: "Baseten", EnvVars: []string{"BASETEN_API_KEY"}},
	{ID: "ai21", Name: "AI21 Labs", EnvVars: []string{"AI21_API_KEY"}},
	{ID: "friendli", Name: "FriendliAI", EnvVars: []string{"FRIENDLI_TOKEN"}},
	{ID: "zhipu", Name: "Zhipu AI (GLM)", EnvVars: []string{"ZHIPUAI_API_KEY"}},
	{ID: "ai71", Name: "AI71", EnvVars: []string{"AI71_API_KEY"}},
	{ID: "jina", Name: "Jina AI", EnvVars: []string{"JINA_API_KEY"}},
	{ID: "firecrawl", Name: "Firecrawl", EnvVars: []string{"FIRECRAWL_API_KEY"}},
	{ID: "minimax", Name: "MiniMax", EnvVars: []string{"MINIMAX_API_KEY"}},
	{ID: "voyage", Name: "Voyage AI", EnvVars: []string{"VOYAGE_API_KEY"}},
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

// ProviderForVar finds the provider whose SDK reads the variable name.
func ProviderForVar(name string) (Provider, bool) {
	for _, p := range providers {
		if p.ID == "generic" || p.Shape {
			continue
		}
		for _, v := range p.EnvVars {
			if v == name {
				return p, true
			}
		}
	}
	return Provider{}, false
}
