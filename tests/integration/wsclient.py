"""A small RFC 6455 WebSocket client over a real TCP socket (standard library only).

It speaks the protocol the way a browser does (masked frames, the handshake with
Sec-WebSocket-Key/Accept checked), and it can also break it on purpose: unmasked frames,
invalid UTF-8 in text frames, oversized or fragmented frames, abrupt drops."""
import base64
import hashlib
import json
import os
import socket
import struct

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT, OP_TEXT, OP_BIN, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


class HandshakeRefused(Exception):
    def __init__(self, status, head):
        super().__init__("handshake refused: %r" % (status,))
        self.status = status
        self.head = head


class Closed(Exception):
    def __init__(self, code, reason):
        super().__init__("closed %r %r" % (code, reason))
        self.code = code
        self.reason = reason


class WS:
    def __init__(self, port, origin="self", path="/ws", protocol="sanad.v1", timeout=10.0,
                 host="127.0.0.1", headers=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        key = base64.b64encode(os.urandom(16))
        hosthdr = "%s:%d" % (host, port)
        lines = ["GET %s HTTP/1.1" % path, "Host: " + hosthdr, "Upgrade: websocket",
                 "Connection: Upgrade", "Sec-WebSocket-Key: " + key.decode(),
                 "Sec-WebSocket-Version: 13"]
        if protocol:
            lines.append("Sec-WebSocket-Protocol: " + protocol)
        if origin == "self":
            origin = "http://" + hosthdr
        if origin:
            lines.append("Origin: " + origin)
        for k, v in (headers or {}).items():
            lines.append("%s: %s" % (k, v))
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = self._read_head()
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            self.sock.close()
            raise HandshakeRefused(status.decode("latin-1"), head)
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        hdrs = {}
        for l in head.split(b"\r\n")[1:]:
            k, _, v = l.partition(b":")
            hdrs[k.strip().lower().decode()] = v.strip().decode()
        if hdrs.get("sec-websocket-accept") != accept.decode():
            raise AssertionError("bad Sec-WebSocket-Accept in %r" % head)
        self.protocol = hdrs.get("sec-websocket-protocol")

    def _read_head(self):
        while b"\r\n\r\n" not in self.buf:
            d = self.sock.recv(4096)
            if not d:
                raise HandshakeRefused("connection closed", self.buf)
            self.buf += d
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        return head

    def _recv_exact(self, n):
        while len(self.buf) < n:
            d = self.sock.recv(65536)
            if not d:
                raise Closed(None, "eof")
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    # --- sending -------------------------------------------------------------------------
    def send_frame(self, opcode, payload, fin=True, mask=True, rsv=0):
        b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
        n = len(payload)
        if n < 126:
            hdr = struct.pack("!BB", b0, (0x80 if mask else 0) | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", b0, (0x80 if mask else 0) | 126, n)
        else:
            hdr = struct.pack("!BBQ", b0, (0x80 if mask else 0) | 127, n)
        if mask:
            k = os.urandom(4)
            payload = bytes(b ^ k[i % 4] for i, b in enumerate(payload))
            hdr += k
        self.sock.sendall(hdr + payload)

    def send_text(self, s):
        self.send_frame(OP_TEXT, s.encode() if isinstance(s, str) else s)

    def send_json(self, obj):
        self.send_text(json.dumps(obj, ensure_ascii=False))

    def close(self, code=1000):
        try:
            self.send_frame(OP_CLOSE, struct.pack("!H", code))
            while True:
                self.recv_frame()
        except (Closed, OSError):
            pass
        self.sock.close()

    def drop(self):
        """Abrupt disconnect: no close frame (a phone losing its network)."""
        self.sock.close()

    # --- receiving -----------------------------------------------------------------------
    def recv_frame(self):
        """Returns (opcode, payload) of the next whole message; raises Closed on a close
        frame (after answering it) or EOF. Answers pings."""
        msg, op0 = b"", None
        while True:
            b0, b1 = self._recv_exact(2)
            op, n = b0 & 0x0F, b1 & 0x7F
            if b1 & 0x80:
                raise AssertionError("server sent a masked frame")
            if n == 126:
                n = struct.unpack("!H", self._recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._recv_exact(8))[0]
            payload = self._recv_exact(n)
            if op == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                try:
                    self.send_frame(OP_CLOSE, payload[:2])
                except OSError:
                    pass
                raise Closed(code, payload[2:].decode("utf-8", "replace"))
            if op == OP_PING:
                self.send_frame(OP_PONG, payload)
                continue
            if op == OP_PONG:
                continue
            if op0 is None:
                op0 = op
            msg += payload
            if b0 & 0x80:
                return op0, msg

    def recv_json(self):
        op, payload = self.recv_frame()
        assert op == OP_TEXT, "expected a text frame, got opcode %d" % op
        return json.loads(payload.decode("utf-8"))

    def expect(self, type_, **fields):
        m = self.recv_json()
        assert m.get("type") == type_, "expected %s, got %r" % (type_, m)
        for k, v in fields.items():
            assert m.get(k) == v, "expected %s=%r in %r" % (k, v, m)
        return m

    def sync(self):
        """Sends a ping frame of the protocol and returns every frame before its pong: proves
        nothing else was queued and that the connection is still open."""
        self.send_json({"type": "ping"})
        out = []
        while True:
            m = self.recv_json()
            if m.get("type") == "pong":
                return out
            out.append(m)

    def settimeout(self, t):
        self.sock.settimeout(t)
