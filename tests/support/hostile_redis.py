"""A hostile Redis server on 127.0.0.1, for tests of `smoke` (tests/e2e/test_hostile_redis.py).

Standalone (no import from the product): threads, every loop bounded in time and bytes, and
stoppable. Use it as a context manager that yields the port:

    with hostile_redis("drip") as port:
        subprocess.run([..., "smoke", "dev", "--host", "127.0.0.1", "--port", str(port), "--timeout", "2"])

or from the command line: `python hostile_redis.py MODE [--port N]` (Ctrl-C stops it).

Modes (MODES below): each answers like a Redis that wants a password until the moment it turns
hostile, so the client gets past whatever steps come first.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

from tests.support import net

# Hard bounds: no connection lives longer or sends more than this, whatever the mode.
MAX_CONNECTION_SECONDS = 60.0
MAX_BYTES_SENT = 64 << 20
STREAM_CHUNK = 64 << 10
STREAM_PAUSE_S = 0.01  # ~6 MB/s per connection: enough to outrun any per-read timeout, not the RAM
DRIP_PAUSE_S = 0.2

MODES = {
    "drip": "every reply sent one byte every 200 ms (a valid but long -NOAUTH error line)",
    "endless_line": "every reply is a simple string that never ends (no \\r\\n), streamed forever",
    "huge_bulk": "every reply announces a bulk string of 2^31-1 bytes, then streams it",
    "huge_array": "every reply announces an array of 2^31-1 elements, then streams :1 elements",
    "non_utf8": "every reply is a status line of bytes that are not UTF-8",
    "non_utf8_error": "every reply is an error line whose text is not UTF-8",
    "echo_auth": "-NOAUTH before AUTH; AUTH answered -ERR invalid password '<the argument>'",
    "echo_wrongpass": "AUTH answered -WRONGPASS invalid username-password pair: '<the argument>'",
    "echo_info": "AUTH accepted; INFO says role:<the AUTH argument> (a peer echoing it in data)",
    "resp3": "every reply is a RESP3 frame (map, push, attribute) on a RESP2 connection",
    "hello_weird": "HELLO answered with a map announcing 2^31-1 pairs, streamed; others -NOAUTH",
    "echo_store": "AUTH accepted; answers inspect's calls like a small OTP store whose INFO echoes the AUTH "
                  "argument (maxmemory_policy) and whose one key holds control characters",
    "bad_scan": "AUTH accepted; DBSIZE answered, inspect's SCAN step answered with two integers",
    "close_mid_reply": "the reply stops half-way and the connection is closed",
    "silent": "accepts the connection, reads, never replies",
    "reset": "accepts, then resets the connection (RST) at the first command",
}


def _commands(buffer: bytearray) -> Iterator[list[bytes]]:
    """Parse complete RESP arrays of bulk strings (and inline commands) off the buffer, bounded."""
    while buffer:
        if buffer[:1] != b"*":
            end = buffer.find(b"\r\n")
            if end < 0:
                return
            line = bytes(buffer[:end])
            del buffer[: end + 2]
            yield line.split()
            continue
        end = buffer.find(b"\r\n")
        if end < 0:
            return
        try:
            count = int(buffer[1:end])
        except ValueError:
            buffer.clear()
            return
        pos = end + 2
        args: list[bytes] = []
        for _ in range(min(max(count, 0), 1024)):
            nl = buffer.find(b"\r\n", pos)
            if nl < 0 or buffer[pos : pos + 1] != b"$":
                return
            try:
                size = int(buffer[pos + 1 : nl])
            except ValueError:
                buffer.clear()
                return
            start = nl + 2
            if len(buffer) < start + size + 2:
                return
            args.append(bytes(buffer[start : start + size]))
            pos = start + size + 2
        del buffer[:pos]
        yield args


class _Conn:
    """One client connection: its socket and what was sent on it (for the byte bound)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.sent = 0
        self.echoed = b"?"


class HostileRedis:
    def __init__(self, mode: str, port: int = 0) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {', '.join(MODES)}")
        self.mode = mode
        self.stop = threading.Event()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        self.port = int(self.listener.getsockname()[1])
        self.threads: list[threading.Thread] = []
        self.commands: list[list[bytes]] = []  # every command received, for the test to look at
        self._lock = threading.Lock()
        self._accept = threading.Thread(target=self._serve, name=f"hostile-redis-{mode}", daemon=True)

    # --- life cycle -------------------------------------------------------------------------

    def start(self) -> HostileRedis:
        self._accept.start()
        return self

    def close(self) -> None:
        self.stop.set()
        self._accept.join(timeout=5)
        with contextlib.suppress(OSError):
            self.listener.close()
        for t in self.threads:
            t.join(timeout=5)

    def _serve(self) -> None:
        deadline = time.monotonic() + 3600  # the accept loop is bounded too
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            t = threading.Thread(target=self._connection, args=(conn,), daemon=True)
            self.threads.append(t)
            t.start()

    # --- one connection ---------------------------------------------------------------------

    def _connection(self, sock: socket.socket) -> None:
        started = time.monotonic()
        conn = _Conn(sock)
        buffer = bytearray()
        authed = False
        sock.settimeout(0.2)
        try:
            while not self._expired(started):
                try:
                    data = sock.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    return
                buffer += data
                if len(buffer) > 1 << 20:
                    return
                for args in _commands(buffer):
                    with self._lock:
                        self.commands.append(args)
                    name = args[0].upper() if args else b""
                    if name == b"AUTH":
                        authed = True
                    if not self._reply(conn, name, args, authed, started):
                        return
        except OSError:
            return
        finally:
            with contextlib.suppress(OSError):
                sock.close()

    def _expired(self, started: float) -> bool:
        return self.stop.is_set() or time.monotonic() - started > MAX_CONNECTION_SECONDS

    def _send(self, conn: _Conn, data: bytes) -> None:
        conn.sent += len(data)
        conn.sock.sendall(data)

    def _stream(self, conn: _Conn, head: bytes, chunk: bytes, started: float) -> bool:
        """Send head, then chunk forever (bounded): the client must give up on its own."""
        self._send(conn, head)
        while not self._expired(started) and conn.sent < MAX_BYTES_SENT:
            self._send(conn, chunk)
            time.sleep(STREAM_PAUSE_S)
        return False

    def _drip(self, conn: _Conn, data: bytes, started: float) -> bool:
        for i in range(len(data)):
            if self._expired(started):
                return False
            self._send(conn, data[i : i + 1])
            time.sleep(DRIP_PAUSE_S)
        return True

    def _reply(self, conn: _Conn, name: bytes, args: list[bytes], authed: bool, started: float) -> bool:
        """Answer one command; False closes the connection."""
        mode = self.mode
        noauth = b"-NOAUTH Authentication required.\r\n"
        if mode == "drip":
            return self._drip(conn, b"-NOAUTH Authentication required." + b" please wait" * 200 + b"\r\n", started)
        if mode == "endless_line":
            return self._stream(conn, b"+", b"A" * STREAM_CHUNK, started)
        if mode == "huge_bulk":
            return self._stream(conn, b"$2147483647\r\n", b"B" * STREAM_CHUNK, started)
        if mode == "huge_array":
            return self._stream(conn, b"*2147483647\r\n", b":1\r\n" * (STREAM_CHUNK // 4), started)
        if mode == "non_utf8":
            self._send(conn, b"+\xff\xfe\xfd\xc3\x28\r\n")
            return True
        if mode == "non_utf8_error":
            self._send(conn, b"-ERR \xff\xfe\xfd\xc3\x28 bad\r\n")
            return True
        if mode == "close_mid_reply":
            self._send(conn, b"-NOAUTH Authenti")
            return False
        if mode == "silent":
            while not self._expired(started):
                time.sleep(0.05)
            return False
        if mode == "reset":
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            return False
        if mode == "resp3":
            frames = [b"%1\r\n+role\r\n+master\r\n", b">2\r\n+message\r\n+hi\r\n", b"|1\r\n+a\r\n+b\r\n+OK\r\n",
                      b"_\r\n", b",3.14\r\n", b"(12345678901234567890\r\n", b"=15\r\ntxt:Some string\r\n"]
            self._send(conn, frames[len(self.commands) % len(frames)])
            return True
        if mode == "hello_weird":
            if name == b"HELLO":
                return self._stream(conn, b"%2147483647\r\n", b"+k\r\n:1\r\n" * 4096, started)
            self._send(conn, noauth)
            return True
        password = args[-1] if name == b"AUTH" and len(args) > 1 else b""
        if mode == "echo_auth":
            if name == b"AUTH":
                self._send(conn, b"-ERR invalid password '" + password + b"'\r\n")
            else:
                self._send(conn, noauth)
            return True
        if mode == "echo_wrongpass":
            if name == b"AUTH":
                self._send(conn, b"-WRONGPASS invalid username-password pair: '" + password + b"'\r\n")
            else:
                self._send(conn, noauth)
            return True
        if mode == "echo_info":
            if name == b"AUTH":
                conn.echoed = password
                self._send(conn, b"+OK\r\n")
            elif not authed:
                self._send(conn, noauth)
            elif name == b"INFO":
                body = b"# Replication\r\nrole:" + conn.echoed + b"\r\nconnected_slaves:0\r\n"
                self._send(conn, b"$%d\r\n%s\r\n" % (len(body), body))
            elif name == b"PING":
                self._send(conn, b"+PONG\r\n")
            else:
                self._send(conn, b"+OK\r\n")
            return True
        if mode in ("echo_store", "bad_scan"):
            return self._store(conn, name, password, authed)
        raise AssertionError(mode)

    def _store(self, conn: _Conn, name: bytes, password: bytes, authed: bool) -> bool:
        if name == b"AUTH":
            conn.echoed = password
            self._send(conn, b"+OK\r\n")
        elif not authed:
            self._send(conn, b"-NOAUTH Authentication required.\r\n")
        elif name == b"DBSIZE":
            self._send(conn, b":1\r\n")
        elif name == b"EVALSHA" and self.mode == "bad_scan":
            self._send(conn, b"*2\r\n:1\r\n:2\r\n")
        elif name == b"EVALSHA":  # cursor 0 (done), one key, its TTL
            key = b"sms_otp:\x1b[2J\nerror: fake"
            self._send(conn, b"*3\r\n$1\r\n0\r\n*1\r\n$%d\r\n%s\r\n*1\r\n:100\r\n" % (len(key), key))
        elif name == b"GET":
            value = b'{"code": "123456", "phone_number": "+15550100"}'
            self._send(conn, b"$%d\r\n%s\r\n" % (len(value), value))
        elif name == b"INFO":
            body = (b"# Memory\r\nused_memory:1000\r\nmaxmemory:100000\r\nmaxmemory_policy:" + conn.echoed
                    + b"\r\n# Persistence\r\nrdb_last_save_time:0\r\nrdb_last_bgsave_status:ok\r\n")
            self._send(conn, b"$%d\r\n%s\r\n" % (len(body), body))
        else:
            self._send(conn, b"+OK\r\n")
        return True


@contextlib.contextmanager
def hostile_redis(mode: str) -> Iterator[int]:
    """Run a hostile Redis in `mode` on 127.0.0.1:<free port>; yield the port; stop on exit."""
    server = HostileRedis(mode).start()
    try:
        yield server.port
    finally:
        server.close()


@contextlib.contextmanager
def hostile_redis_server(mode: str) -> Iterator[HostileRedis]:
    """Like hostile_redis, yielding the server (its `commands` list shows what the client sent)."""
    server = HostileRedis(mode).start()
    try:
        yield server
    finally:
        server.close()


def main() -> None:
    net.run_peer(__doc__, MODES, lambda mode, port: HostileRedis(mode, port).start(), lambda s: f"127.0.0.1:{s.port}")


if __name__ == "__main__":
    main()
