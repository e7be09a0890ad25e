import { useState } from "react";

// Calls OpenRouter straight from the browser: every visitor can read this key.
const OPENROUTER_KEY = "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";

export function Chat() {
  const [answer, setAnswer] = useState("");
  async function ask(q: string) {
    const res = await fetch("https://openrouter.ai/api/v1/chat/completions", {
      method: "POST",
      headers: { Authorization: `Bearer ${OPENROUTER_KEY}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: q }] }),
    });
    setAnswer((await res.json()).choices[0].message.content);
  }
  return <button onClick={() => ask("hello")}>{answer || "Ask"}</button>;
}
