"""Run state: what one agent run has produced so far, masked, independent of how it is shown."""
