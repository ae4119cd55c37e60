"""Minimal raw RESP client for byte-exact comparisons (stdlib only).

Reads exactly one complete reply and returns its raw bytes, so that
Redwire's bytes can be compared with stock redis-server's.
"""
import socket


class RawConn:
    def __init__(self, host, port, timeout=5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def send(self, data: bytes):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        self.buf += chunk

    def _line_end(self, start):
        while True:
            i = self.buf.find(b"\r\n", start)
            if i >= 0:
                return i
            self._fill()

    def _reply_end(self, pos):
        """Return the offset just past the reply starting at pos."""
        while len(self.buf) <= pos:
            self._fill()
        t = self.buf[pos:pos + 1]
        eol = self._line_end(pos)
        head = self.buf[pos + 1:eol]
        nxt = eol + 2
        if t in (b"+", b"-", b":", b",", b"_", b"#", b"("):
            return nxt
        if t in (b"$", b"=", b"!"):
            n = int(head)
            if n < 0:
                return nxt
            while len(self.buf) < nxt + n + 2:
                self._fill()
            return nxt + n + 2
        if t in (b"*", b"~", b">", b"%", b"|"):
            n = int(head)
            if n < 0:
                return nxt
            if t in (b"%", b"|"):
                n *= 2
            for _ in range(n):
                nxt = self._reply_end(nxt)
            return nxt
        raise ValueError("bad reply type %r in %r" % (t, self.buf[:80]))

    def read_reply(self) -> bytes:
        end = self._reply_end(0)
        out, self.buf = self.buf[:end], self.buf[end:]
        return out

    def closed_by_peer(self, wait=2.0) -> bool:
        """True if the server closes the connection (after any pending bytes)."""
        self.sock.settimeout(wait)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except (socket.timeout, TimeoutError):
            return False
        except ConnectionResetError:
            return True

    def close(self):
        self.sock.close()


def encode(*args) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)
