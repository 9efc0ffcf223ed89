#!/usr/bin/env python3
"""Logs in to an IMAP or POP3 server over a real socket from a chosen
source address, as a mail client checking its mail would.

  mail_login.py PROTOCOL HOST PORT USER PASSWORD SOURCE...

PROTOCOL is imap or pop3.  Each SOURCE (127.0.0.N, ::1) logs in once; all
of them at the same time when there are several.  One line per source:
"SOURCE OK MS" or "SOURCE NO MESSAGE", where MS is the wall-clock time in
epoch milliseconds at which the server answered the login.  Exit status:
0 when every login succeeded, 1 when any was refused, 2 on any other
error (connection, protocol, timeout).
"""
import imaplib
import poplib
import socket
import sys
import threading
import time

TIMEOUT_S = 20


def connect(host, port, source):
    return socket.create_connection((host, port), TIMEOUT_S,
                                    source_address=(source, 0))


class IMAP(imaplib.IMAP4):
    def __init__(self, host, port, source):
        self.source = source
        super().__init__(host, port, timeout=TIMEOUT_S)

    def _create_socket(self, timeout):
        return connect(self.host, self.port, self.source)


class POP3(poplib.POP3):
    def __init__(self, host, port, source):
        self.source = source
        super().__init__(host, port, timeout=TIMEOUT_S)

    def _create_socket(self, timeout):
        return connect(self.host, self.port, self.source)


def now_ms():
    return int(time.time() * 1000)


def imap_login(host, port, user, password, source):
    client = IMAP(host, port, source)
    try:
        client.login(user, password)
        answered = now_ms()
    except imaplib.IMAP4.error as refused:
        return "NO %s" % refused
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    return "OK %d" % answered


def pop3_login(host, port, user, password, source):
    client = POP3(host, port, source)
    try:
        client.user(user)
        client.pass_(password)
        answered = now_ms()
    except poplib.error_proto as refused:
        return "NO %s" % refused
    finally:
        try:
            client.quit()
        except (poplib.error_proto, OSError):
            pass
    return "OK %d" % answered


def attempt(login, args, source, results):
    try:
        results[source] = login(*args, source)
    except Exception as failure:  # reported, never hidden
        results[source] = "ERROR %s: %s" % (type(failure).__name__, failure)


def main(argv):
    if len(argv) < 7 or argv[1] not in ("imap", "pop3"):
        sys.stderr.write(__doc__)
        return 2
    login = imap_login if argv[1] == "imap" else pop3_login
    args = (argv[2], int(argv[3]), argv[4], argv[5])
    sources = argv[6:]
    results = {}
    threads = [threading.Thread(target=attempt,
                                args=(login, args, source, results))
               for source in sources]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    status = 0
    for source in sources:
        result = results.get(source, "ERROR no result")
        print(source, result)
        if result.startswith("ERROR"):
            status = 2
        elif result.startswith("NO") and status == 0:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
