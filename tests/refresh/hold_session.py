#!/usr/bin/env python3
"""Logs in to IMAP (then IDLE) or POP3 from each SOURCE address and stays
connected, as Thunderbird or a phone does, until it is killed (SIGTERM
closes every connection).

  hold_session.py PROTOCOL HOST PORT USER PASSWORD SOURCE...

One line per source once its session is up: "SOURCE ready", or
"SOURCE NO ..." / "SOURCE ERROR ...", then "all ready" when every source
is done.  Exit status 0 when every login succeeded.
"""
import signal
import socket
import sys

TIMEOUT_S = 20


def reader(sock):
    return sock.makefile("rb")


def line_of(lines):
    line = lines.readline()
    if not line:
        raise OSError("connection closed")
    return line.decode("utf-8", "replace").rstrip("\r\n")


def imap_session(sock, lines, user, password):
    greeting = line_of(lines)
    if not greeting.startswith("* OK"):
        return "NO greeting " + greeting
    sock.sendall(b'a LOGIN "%s" "%s"\r\n' % (user.encode(), password.encode()))
    while True:
        line = line_of(lines)
        if line.startswith("a "):
            break
    if not line.startswith("a OK"):
        return "NO " + line
    sock.sendall(b"b SELECT INBOX\r\n")
    while not line_of(lines).startswith("b "):
        pass
    sock.sendall(b"c IDLE\r\n")
    while True:
        line = line_of(lines)
        if line.startswith("+"):
            return "ready"
        if line.startswith("c "):
            return "NO IDLE: " + line


def pop3_session(sock, lines, user, password):
    if not line_of(lines).startswith("+OK"):
        return "NO greeting"
    sock.sendall(b"USER %s\r\n" % user.encode())
    if not line_of(lines).startswith("+OK"):
        return "NO USER"
    sock.sendall(b"PASS %s\r\n" % password.encode())
    line = line_of(lines)
    return "ready" if line.startswith("+OK") else "NO " + line


def main(argv):
    if len(argv) < 7 or argv[1] not in ("imap", "pop3"):
        sys.stderr.write(__doc__)
        return 2
    protocol, host, port, user, password = argv[1:6]
    session = imap_session if protocol == "imap" else pop3_session
    held, status = [], 0
    for source in argv[6:]:
        try:
            sock = socket.create_connection((host, int(port)), TIMEOUT_S,
                                            source_address=(source, 0))
            lines = reader(sock)
            result = session(sock, lines, user, password)
            held.append(sock)
        except Exception as failure:  # reported, never hidden
            result = "ERROR %s: %s" % (type(failure).__name__, failure)
        if result != "ready":
            status = 1
        print(source, result, flush=True)
    print("all ready" if status == 0 else "not all ready", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(status))
    try:
        while True:
            signal.pause()
    finally:
        for sock in held:
            sock.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
