"""TLS verification for every HTTPS connection cc_jupyter makes (the API, GitHub)."""

from __future__ import annotations

import functools
import ssl

from .settings import certificate_locations


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's default verification (certifi's CAs, or SSL_CERT_FILE / SSL_CERT_DIR), built once:
    loading the CA bundle costs tens of milliseconds, which every run would pay again."""
    import certifi

    cafile, capath = certificate_locations()
    if cafile is None and capath is None:
        cafile = certifi.where()
    return ssl.create_default_context(cafile=cafile, capath=capath)
