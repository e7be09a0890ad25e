package lsp

import (
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

// keyPages are the providers' pages where a key is revoked and a new one
// made: a key diagnostic links there (codeDescription.href), so rotating
// is one click away.
var keyPages = map[string]string{
	"openai":       "https://platform.openai.com/api-keys",
	"anthropic":    "https://console.anthropic.com/settings/keys",
	"gemini":       "https://aistudio.google.com/app/apikey",
	"groq":         "https://console.groq.com/keys",
	"mistral":      "https://console.mistral.ai/api-keys",
	"openrouter":   "https://openrouter.ai/settings/keys",
	"xai":          "https://console.x.ai/",
	"perplexity":   "https://www.perplexity.ai/settings/api",
	"huggingface":  "https://huggingface.co/settings/tokens",
	"deepseek":     "https://platform.deepseek.com/api_keys",
	"together":     "https://api.together.ai/settings/api-keys",
	"azure-openai": "https://portal.azure.com/#view/Microsoft_Azure_ProjectOxford/CognitiveServicesHub/~/OpenAI",
	"replicate":    "https://replicate.com/account/api-tokens",
	"langsmith":    "https://smith.langchain.com/settings",
	"elevenlabs":   "https://elevenlabs.io/app/settings/api-keys",
	"nvidia":       "https://build.nvidia.com/settings/api-keys",
	"cerebras":     "https://cloud.cerebras.ai/platform/",
	"cohere":       "https://dashboard.cohere.com/api-keys",
	"fireworks":    "https://fireworks.ai/account/api-keys",
	"stability":    "https://platform.stability.ai/account/keys",
	"tavily":       "https://app.tavily.com/home",
	"fal":          "https://fal.ai/dashboard/keys",
	"jina":         "https://jina.ai/api-dashboard/key-manager",
	"voyage":       "https://dashboard.voyageai.com/api-keys",
}

// keyPagesFallback is where a key of a provider without a known page
// points: keyguard's list of providers, with how to rotate.
const keyPagesFallback = "https://github.com/keyguard/keyguard#supported-providers"

// keyPage is the codeDescription of a key diagnostic for provider.
func keyPage(provider string) *protocol.CodeDescription {
	href, ok := keyPages[provider]
	if !ok {
		href = keyPagesFallback
	}
	return &protocol.CodeDescription{Href: uri.URI(href)}
}
