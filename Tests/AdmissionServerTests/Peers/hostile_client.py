#!/usr/bin/env python3
"""Hostile clients for the server tests, speaking raw TCP, TLS and HTTP/2 frames (standard library only).

usage: hostile_client.py MODE PORT CAFILE [ARG]
  silent       connect, send nothing: seconds until the server closes
  idle-tls     finish the TLS handshake (http/1.1), send nothing: seconds until the server closes
  slow-body    HTTP/1.1 POST declaring ARG body bytes, send 10, stall: the status line, the response's
               header lines (lowercased) and the seconds it took
  abort-body   HTTP/1.1 POST declaring ARG body bytes, send 10, close the connection
  slow-body-h2 HTTP/2: stream 1 POSTs declaring ARG body bytes, sends 10, stalls; once stream 1 is
               answered, stream 3 asks for /healthz: each stream's response body and the seconds it took
  rapid-reset  HTTP/2: open ARG streams, each cancelled at once with RST_STREAM (CVE-2023-44487):
               how many were sent and the GOAWAY error code received, if any
Prints one JSON object.
"""
import json
import socket
import ssl
import struct
import sys
import time

mode, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
arg = int(sys.argv[4]) if len(sys.argv) > 4 else 0


def tls(alpn):
    context = ssl.create_default_context(cafile=cafile)
    context.set_alpn_protocols([alpn])
    sock = context.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
    assert sock.selected_alpn_protocol() == alpn, sock.selected_alpn_protocol()
    return sock


def seconds_until_closed(sock, limit=30):
    start = time.monotonic()
    sock.settimeout(limit)
    try:
        while sock.recv(4096):
            pass
    except (ConnectionResetError, ssl.SSLError, OSError):
        pass
    return round(time.monotonic() - start, 2)


def frame(kind, flags, stream, payload=b""):
    return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def h2():
    """A TLS connection speaking HTTP/2: ALPN h2, the client preface and empty SETTINGS sent."""
    sock = tls("h2")
    sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0))
    return sock


def frames(sock, timeout):
    """The HTTP/2 frames the server sends, as (type, flags, stream, payload), until it closes the
    connection or sends nothing for `timeout` seconds."""
    sock.settimeout(timeout)
    buffer = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return
            buffer += chunk
            while len(buffer) >= 9:
                length = int.from_bytes(buffer[:3], "big")
                if len(buffer) < 9 + length:
                    break
                yield buffer[3], buffer[4], struct.unpack(">I", buffer[5:9])[0] & 0x7FFFFFFF, buffer[9:9 + length]
                buffer = buffer[9 + length:]
    except (socket.timeout, ConnectionResetError, ssl.SSLError, OSError):
        return


def literal(name, value):
    # HPACK literal header field without indexing, new name, no Huffman coding.
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


if mode == "silent":
    sock = socket.create_connection(("127.0.0.1", port))
    print(json.dumps({"closed_after": seconds_until_closed(sock)}))
elif mode == "idle-tls":
    sock = tls("http/1.1")
    print(json.dumps({"closed_after": seconds_until_closed(sock)}))
elif mode == "slow-body":
    sock = tls("http/1.1")
    head = (f"POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            f"Content-Length: {arg}\r\n\r\n").encode()
    start = time.monotonic()
    sock.sendall(head + b'{"apiVersi')
    sock.settimeout(30)
    response = b""
    try:
        while b"\r\n\r\n" not in response:
            chunk = sock.recv(4096)
            if not chunk:
                break
            response += chunk
    except (ConnectionResetError, ssl.SSLError, OSError):
        pass
    head = response.split(b"\r\n\r\n")[0].decode(errors="replace").split("\r\n")
    print(json.dumps({"status_line": head[0], "headers": [line.lower() for line in head[1:]],
                      "after": round(time.monotonic() - start, 2)}))
elif mode == "abort-body":
    sock = tls("http/1.1")
    head = (f"POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            f"Content-Length: {arg}\r\n\r\n").encode()
    sock.sendall(head + b'{"apiVersi')
    sock.close()
    print(json.dumps({"closed": True}))
elif mode == "slow-body-h2":
    sock = h2()
    post = (literal(b":method", b"POST") + literal(b":scheme", b"https") + literal(b":path", b"/mutate")
            + literal(b":authority", b"localhost") + literal(b"content-type", b"application/json")
            + literal(b"content-length", str(arg).encode()))
    start = time.monotonic()
    # HEADERS (END_HEADERS), then DATA with 10 of the declared bytes and no END_STREAM.
    sock.sendall(frame(1, 0x4, 1, post) + frame(0, 0, 1, b'{"apiVersi'))
    bodies, ended, after = {1: b"", 3: b""}, set(), {}
    for kind, flags, stream, payload in frames(sock, 30):
        if kind == 4 and not flags & 0x1:
            sock.sendall(frame(4, 0x1, 0))  # SETTINGS ACK
        if kind == 0 and stream in bodies:
            bodies[stream] += payload
        if kind in (0, 1, 3) and stream in bodies and (flags & 0x1 or kind == 3) and stream not in ended:
            ended.add(stream)
            after[stream] = round(time.monotonic() - start, 2)
            if stream == 1:  # the stalled stream is answered: the connection still serves others
                get = (literal(b":method", b"GET") + literal(b":scheme", b"https") + literal(b":path", b"/healthz")
                       + literal(b":authority", b"localhost"))
                sock.sendall(frame(1, 0x5, 3, get))
        if ended == {1, 3}:
            break
    print(json.dumps({"stream1": bodies[1].decode(errors="replace"), "stream1_after": after.get(1),
                      "stream3": bodies[3].decode(errors="replace")}))
elif mode == "rapid-reset":
    sock = h2()
    block = (literal(b":method", b"POST") + literal(b":scheme", b"https") + literal(b":path", b"/mutate")
             + literal(b":authority", b"localhost") + literal(b"content-type", b"application/json"))
    sent = 0
    try:
        for index in range(arg):
            stream = 1 + 2 * index
            # HEADERS (END_HEADERS, no END_STREAM), then RST_STREAM with CANCEL (8).
            sock.sendall(frame(1, 0x4, stream, block) + frame(3, 0, stream, struct.pack(">I", 8)))
            sent += 1
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
        pass
    goaway = None
    for kind, _, _, payload in frames(sock, 10):
        if kind == 7:  # GOAWAY: last stream id, error code
            goaway = struct.unpack(">I", payload[4:8])[0]
            break
    print(json.dumps({"sent": sent, "goaway": goaway}))
else:
    sys.exit(f"unknown mode {mode}")
