"""The wire: the validated request, SSE decoding, events, the thread policy, HTTP errors.

The lowest layer above the foundation (``errors``, ``text``, ``secrets``, ``settings``): no I/O here.

    request   the validated ``Request`` and its checks (URL, branch, thread id, tasks)
    sse       the WHATWG event-stream decoder, bytes in, events out
    events    normalising framings A/B/C into one event shape
    threads   the thread-id policy
    status    an HTTP status before any event -> the matching error
"""
