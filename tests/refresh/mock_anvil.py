#!/usr/bin/env python3
"""MOCK of Dovecot 2.3's anvil socket, for the cases the real Dovecot
cannot be made to show: a garbage answer, a stalled or vanishing anvil,
and 1,000 sessions without 1,000 real IMAP logins.  It speaks the same
protocol (src/anvil/anvil-connection.c): it waits for the handshake
"VERSION\\tanvil\\t1\\t0\\n" and "CONNECT-DUMP\\n", closes the connection on
any other handshake as anvil does, and answers as MODE says.

  mock_anvil.py SOCKET MODE [ARG]

  file PATH     answer with PATH's bytes exactly (the test writes the
                final empty line itself, or leaves it out on purpose)
  generate N    N sessions "imap/10.X.Y.Z/userN", each its own address
  trickle PATH  PATH's bytes, one every 50 ms (a stalled anvil)
  cut PATH      PATH's bytes, then close (Dovecot stopping mid-answer)
  silent        accept, read the request, never answer
  close         accept and close at once

The socket is made mode 0600, and "ready" printed once it listens.  It
serves one connection after another until killed.
"""
import os
import socket
import sys
import time

HANDSHAKE = b"VERSION\tanvil\t1\t0\n"
REQUEST = b"CONNECT-DUMP\n"


def generated(count):
    lines = []
    for n in range(count):
        lines.append("imap/10.%d.%d.%d/user%d\t%d\t1\n"
                     % (n >> 16 & 255, n >> 8 & 255, n & 255, n, 1000 + n))
    return ("".join(lines) + "\n").encode()


def read_request(conn):
    want = HANDSHAKE + REQUEST
    got = b""
    conn.settimeout(10)
    while len(got) < len(want):
        chunk = conn.recv(len(want) - len(got))
        if not chunk:
            return False
        got += chunk
        if not want.startswith(got):
            return False
    return True


def serve(conn, mode, answer):
    if mode == "close":
        return
    if not read_request(conn):
        return  # as anvil does with a client of another version
    if mode == "silent":
        time.sleep(60)
    elif mode == "trickle":
        for byte in answer:
            conn.sendall(bytes([byte]))
            time.sleep(0.05)
    elif mode == "cut":
        conn.sendall(answer)
    else:
        conn.sendall(answer)
        # anvil keeps the connection open after its answer.
        conn.settimeout(10)
        try:
            conn.recv(1)
        except OSError:
            pass


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 64
    path, mode = argv[1], argv[2]
    answer = b""
    if mode in ("file", "trickle", "cut"):
        with open(argv[3], "rb") as f:
            answer = f.read()
    elif mode == "generate":
        answer = generated(int(argv[3]))
    elif mode not in ("silent", "close"):
        sys.stderr.write(__doc__)
        return 64
    old = os.umask(0o077)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    os.umask(old)
    os.chmod(path, 0o600)
    server.listen(16)
    print("ready", flush=True)
    while True:
        conn, _ = server.accept()
        try:
            serve(conn, mode, answer)
        except OSError:
            pass
        finally:
            conn.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
