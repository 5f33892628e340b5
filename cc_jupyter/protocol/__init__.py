"""The wire: settings, the validated request, SSE decoding, events, the thread policy, HTTP errors.

The lowest layer above the foundation (``errors``, ``escapes``, ``secrets``): no I/O here.
"""
