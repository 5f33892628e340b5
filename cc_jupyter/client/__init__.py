"""The client: request validation, HTTP + SSE transport, event normalisation, thread policy."""
