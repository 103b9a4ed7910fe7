"""The Korean analyser in a process of its own, one per session, for the front ends that should
not hold it.

Kiwi takes about 300 MB and a second or two to load, holding Python's lock all along, so the
window loading it for snap to words froze for that long and tripled its memory, and the
suggestion process holding one of its own took it from about 130 to 450 MB. Instead the window
starts this process (when a Korean document is first shown, or when it starts the suggestion
process) and both ask it, each over a connection of its own, where words' particles come off:
the same function (:func:`annotator.core.tokens.korean_split`), so what is stored is what the
tokens and the suggestions say.

    python -m annotator.core.analyser ADDRESS

listens at ADDRESS (a Unix socket's path; a named pipe on Windows) and loads Kiwi. Its input's
first line is the key a connection must send first (hex); it ends when its input closes, so it
never outlives the one that started it. On a connection (multiprocessing's messages, bytes only:
nothing is unpickled) the client sends the key, then requests, each a JSON list of words,
answered by a JSON list of where each splits (null: nowhere), in order.
"""

from __future__ import annotations

import atexit
import hmac
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Client, Connection, Listener

WAIT = 60.0  # seconds an answer may take (Kiwi loads in 1-3 s, more on a busy machine): then the process is stuck
CONNECT_WAIT = 10.0  # seconds a lent process may take to listen (it starts as its borrower does)
BATCH = 2000  # words a request at most
KEY_VARIABLE = "ANNOTATOR_ANALYSER_KEY"  # how a process lent the analyser gets its key (never on a command line)


def serve(address: str, key: bytes) -> None:
    """Listen at ``address`` and answer each connection that sends ``key`` first, until this
    process's input ends."""
    listener = Listener(address, backlog=16)  # first: its clients may be waiting to connect
    from annotator.core import tokens

    analysing = threading.Lock()  # one Kiwi: one word at a time (another client's word waits one word, not a list)

    def answer(conn: Connection) -> None:
        with conn:
            try:
                if not hmac.compare_digest(conn.recv_bytes(1024), key):
                    return
                while True:
                    cuts = []
                    for word in json.loads(conn.recv_bytes()):
                        with analysing:
                            cuts.append(tokens.noun_end(word) if isinstance(word, str) else None)
                    conn.send_bytes(json.dumps(cuts).encode("ascii"))
            except (EOFError, OSError, ValueError, TypeError):
                pass  # the client went, or sent what is not a request: its connection ends

    def accept() -> None:
        while True:
            try:
                conn = listener.accept()
            except OSError:
                return  # closed: the process ends
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    tokens.preload()  # the connections made meanwhile wait for it
    for _ in sys.stdin:
        pass
    listener.close()  # the socket's file goes with it


class Analyser:
    """The analyser process, asked over a connection: :meth:`splits` for a list of words in one
    round trip, :meth:`split` for one.

    ``Analyser()`` starts a process of its own on demand (:meth:`start`, :meth:`address`), and
    lends it to others through :meth:`address`; ``Analyser(address, key)`` asks the one lent at
    ``address``. Every wait is bounded (:data:`WAIT`). A process of its own that died or is stuck
    is started again once; a lent one that cannot be reached is replaced by one of its own; if that
    fails too the analysis is done in this process from then on, so an answer is never wrong, only
    slower."""

    def __init__(self, address: str | None = None, key: bytes | None = None):
        self._lent = address is not None  # asking another's process (until it cannot be reached)
        self._address = address
        self._key = key or b""
        self._process: subprocess.Popen | None = None
        self._folder: str | None = None  # where a process of its own listens (its socket's folder)
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self._here = False  # no process could answer: analysed in this one from then on
        self.asked = 0  # words answered by a process (the tests look)

    @property
    def lent(self) -> bool:
        """Still asking the process it was lent (not one of its own)."""
        return self._lent

    @property
    def pid(self) -> int | None:
        """The id of its own process while it runs (the bench reads its memory)."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def start(self) -> None:
        """Start its own process now, without waiting for it to load (if it cannot start, the
        first question says so by being answered here)."""
        with self._lock:
            if not self._lent and not self._here:
                try:
                    self._start()
                except OSError:
                    self._stop()

    def address(self) -> tuple[str, bytes] | None:
        """Where another process may ask this one's analyser, and the key it must send: its own
        process, started now if it is not running (without waiting for it); None when it asks
        another's, or none could answer (:meth:`splits` analyses here)."""
        with self._lock:
            if self._lent or self._here:
                return None
            self._start()
            return self._address, self._key

    def _start(self) -> None:
        if self._process is not None and self._process.poll() is not None:
            self._stop()  # it died: its connection and socket go before a new one starts
        if self._process is None:
            if sys.platform == "win32":
                self._address = rf"\\.\pipe\annotator-analyser-{os.getpid()}-{secrets.token_hex(8)}"
            else:
                self._folder = tempfile.mkdtemp(prefix="annotator-")  # only this user may connect there
                self._address = os.path.join(self._folder, "analyser")
            self._key = secrets.token_bytes(32)
            self._process = subprocess.Popen(
                [sys.executable, "-m", "annotator.core.analyser", self._address], stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self._process.stdin.write(self._key.hex().encode("ascii") + b"\n")
            self._process.stdin.flush()

    def _connect(self) -> Connection:
        if self._conn is None:
            if not self._lent:
                self._start()
            deadline = time.monotonic() + (CONNECT_WAIT if self._lent else WAIT)
            while True:  # the process listens a moment after it starts
                try:
                    conn = Client(self._address)
                    break
                except (FileNotFoundError, ConnectionRefusedError):
                    gone = not self._lent and self._process.poll() is not None
                    if gone or time.monotonic() > deadline:
                        raise
                    time.sleep(0.02)
            conn.send_bytes(self._key)
            self._conn = conn
        return self._conn

    def _ask(self, words: list[str]) -> list[int | None]:
        out: list[int | None] = []
        for at in range(0, len(words), BATCH):
            batch = words[at:at + BATCH]
            conn = self._connect()
            conn.send_bytes(json.dumps(batch, ensure_ascii=False).encode("utf-8"))
            if not conn.poll(WAIT):
                raise TimeoutError(f"the Korean analyser did not answer within {WAIT:.0f} s")
            cuts = json.loads(conn.recv_bytes())
            if not isinstance(cuts, list) or len(cuts) != len(batch) or \
                    not all(c is None or type(c) is int for c in cuts):
                raise ValueError("not an answer")
            out += cuts
        self.asked += len(words)
        return out

    def splits(self, words: list[str]) -> list[int | None]:
        """Where each of ``words`` splits (:func:`annotator.core.tokens.noun_end`), in order."""
        if not words:
            return []
        with self._lock:
            for _ in range(0 if self._here else 3 if self._lent else 2):  # its own once more after a failure
                try:
                    return self._ask(words)
                except (OSError, EOFError, ValueError):  # gone, stuck, refused or garbled
                    self._stop()
                    self._lent = False  # a lent process that failed is not asked again: its own instead
            self._here = True  # Kiwi is loaded here now: no process would save anything any more
        from annotator.core import tokens

        return [tokens.split_here(w) if tokens.has_hangul(w) else None for w in words]

    def split(self, word: str) -> int | None:
        return self.splits([word])[0]

    def _stop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
        process, self._process = self._process, None
        if process is not None:
            try:
                process.stdin.close()  # the process ends with its input
            except OSError:
                pass
            try:
                process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        folder, self._folder = self._folder, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            self._stop()


_shared: Analyser | None = None


def shared() -> Analyser:
    """This process's one analyser process (closed when this process exits)."""
    global _shared
    if _shared is None:
        _shared = Analyser()
        atexit.register(_shared.close)
    return _shared


if __name__ == "__main__":
    serve(sys.argv[1], bytes.fromhex(sys.stdin.readline().strip()))
    os._exit(0)  # not waiting on the connections' threads (one may be inside Kiwi)
