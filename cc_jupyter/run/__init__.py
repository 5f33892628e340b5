"""Run state: what one agent run has produced so far, independent of how it is shown."""
