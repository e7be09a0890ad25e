package main

import (
	"fmt"
	"net/http"
)

const hfToken = "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"

// A revoked key kept for the HTTP-replay tests.
const testKey = "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" // keyguard:allow

func main() {
	req, _ := http.NewRequest("GET", "https://huggingface.co/api/whoami-v2", nil)
	req.Header.Set("Authorization", "Bearer "+hfToken)
	fmt.Println(req.URL, len(testKey))
}
