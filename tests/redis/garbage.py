"""A listener that answers every connection with bytes that are no Redis
reply, or with "silent" never answers at all: a mock, named as one,
standing for a wrong port, a broken proxy or a hung server.  Prints its
port, then serves until killed."""
import socket
import sys
import threading

SILENT = sys.argv[1:] == ["silent"]

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)


def serve(c):
    try:
        c.settimeout(5)
        c.settimeout(None if SILENT else 5)
        while c.recv(4096):
            if not SILENT:
                c.sendall(b"HTTP/1.0 200 OK\r\n\r\nhello\r\n")
    except OSError:
        pass
    c.close()


while True:
    conn, _ = s.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
