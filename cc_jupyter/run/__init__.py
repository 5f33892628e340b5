"""The models: what one agent run has produced so far (``Run``, its tasks, messages, output,
errors), masked, and what it pushed (``Changes``); independent of how they are read or shown.
"""
