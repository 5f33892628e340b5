"""The client: HTTP + SSE transport into a Run, the background loop, handles, the public API."""
