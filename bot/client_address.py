"""The address a request came from, trusting X-Forwarded-For only from configured proxies."""

from __future__ import annotations

from starlette.requests import Request


def client_address(request: Request, trusted_proxies: frozenset[str]) -> str:
    """The nearest address that is not one of our proxies. A client can write anything in
    X-Forwarded-For, so it is read only when the peer is a trusted proxy, right to left."""
    peer = request.client.host if request.client is not None else "unknown"
    if peer not in trusted_proxies:
        return peer
    forwarded = [
        part.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for part in header.split(",")
        if part.strip()
    ]
    for address in reversed(forwarded):
        if address not in trusted_proxies:
            return address[:64]
    return peer
