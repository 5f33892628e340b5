"""The Cloud Coding API client: a request streamed into a Run, from start to end.

    transport   POST, check the answer, feed every SSE event into the Run
    lifecycle   a run from start to end: the head before, the stream, the changes after (``changes/``)
    loop        the background event loop every run's I/O happens on (stopped on ``%unload_ext``)
    handle      ``RunHandle``: wait, cancel, from any thread
    replay      a recording played back into a Run, no API request
    api         ``invoke`` / ``ainvoke`` / ``start`` / ``prepare``: the public functions
"""
