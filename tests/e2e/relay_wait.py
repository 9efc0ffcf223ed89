#!/usr/bin/env python3
"""Waits until sendmail relays for a client: connects to 127.0.0.1:PORT
from SOURCE, over and over, each time in a new SMTP session (sendmail's
child opens its maps per connection), until RCPT TO:<RCPT> gets a 2xx
answer.

  relay_wait.py SOURCE PORT RCPT TIMEOUT_S [deny]

Prints the epoch milliseconds at which the accepting answer arrived and
the number of SMTP sessions it took (1: the first RCPT relayed), and
exits 0; after TIMEOUT_S prints the last answer and exits 1.  With "deny"
it waits for the opposite, a 5xx answer (a revoked relay).
"""
import socket
import sys
import time

POLL_S = 0.02


def rcpt_answer(source, port, rcpt):
    conn = socket.create_connection(("127.0.0.1", port), timeout=10,
                                    source_address=(source, 0))
    replies = conn.makefile("rb")

    def reply():
        while True:
            line = replies.readline().decode("ascii", "replace").rstrip()
            if not line:
                raise OSError("connection closed")
            if line[3:4] != "-":
                return line

    def command(text):
        conn.sendall((text + "\r\n").encode("ascii"))
        return reply()

    try:
        for step in (None, "EHLO client.example",
                     "MAIL FROM:<user@client.example>"):
            line = reply() if step is None else command(step)
            if not line.startswith(("220", "250")):
                return "NO-RCPT %s" % line
        answer = command("RCPT TO:<%s>" % rcpt)
        command("QUIT")
        return answer
    finally:
        conn.close()


def main(argv):
    if len(argv) not in (5, 6):
        sys.stderr.write(__doc__)
        return 2
    source, port, rcpt = argv[1], int(argv[2]), argv[3]
    want = "5" if len(argv) == 6 and argv[5] == "deny" else "2"
    deadline = time.time() + float(argv[4])
    answer = "no answer"
    tries = 0
    while time.time() < deadline:
        tries += 1
        try:
            answer = rcpt_answer(source, port, rcpt)
        except OSError as failure:
            answer = "ERROR %s" % failure
        if answer.startswith(want):
            print(int(time.time() * 1000), tries)
            return 0
        time.sleep(POLL_S)
    print(answer)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
