package agent

// request is one line from a client.
type request struct {
	Op           string `json:"op"` // "status" or "token"
	Organization string `json:"organization,omitempty"`
}

// response is the one line the agent answers.
type response struct {
	Answer
	Error   string `json:"error,omitempty"` // a wireErrors code
	Message string `json:"message,omitempty"`
}
