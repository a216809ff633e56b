"""The PHP libraries speak raw HTTP/1.0, send `Host` without the port and read until the
server closes the socket: the answer must carry a Content-Length, no chunking, and the
connection must close after it."""

from __future__ import annotations

import socket
from urllib.parse import urlparse

from ..legacy_signer import php_urlencode, sign_v1


def test_http_1_0_request_is_answered_and_closed(server, merchant):
    params = sign_v1([("Action", "GetServiceStatus"), ("Version", "2007-08-02")],
                     merchant.access_key_id, merchant.secret_access_key)
    body = "&".join(f"{php_urlencode(k)}={php_urlencode(v)}" for k, v in params).encode()
    port = urlparse(server.url).port
    request = (b"POST / HTTP/1.0\r\nHost: 127.0.0.1\r\n"
               b"Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n"
               b"User-Agent: Amazon FWSOutbound PHP5 Library\r\n"
               + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):  # returns b"" only once the server closes
            received += chunk
    head, _, payload = received.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0].split()[1] == "200", received
    headers = {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    assert headers["connection"] == "close"
    assert "chunked" not in headers.get("transfer-encoding", "")
    assert int(headers["content-length"]) == len(payload)
    assert payload.startswith(b'<?xml version="1.0"?>\n<ns1:GetServiceStatusResponse')
