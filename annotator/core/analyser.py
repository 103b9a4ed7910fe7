"""The Korean analyser in a process of its own, for a front end that should not hold it.

Kiwi takes about 300 MB and a second or two to load, holding Python's lock all along, so the
window loading it for snap to words froze for that long and tripled its memory. Instead the window
starts this process when a Korean document is first shown (it loads while the person reads) and
asks it where each word's particle comes off, one line a word: the same function
(:func:`annotator.core.tokens.split_here`), so what is stored is what the tokens and the
suggestions say. The process ends when its input closes, so it never outlives the front end.

    python -m annotator.core.analyser      (reads words, one a line; writes the split or -1)
"""

from __future__ import annotations

import atexit
import subprocess
import sys
import threading


def serve(lines=sys.stdin, out=sys.stdout) -> None:
    """Answer each word read with where it splits (-1: nowhere), until the input closes."""
    from annotator.core import tokens

    tokens.preload()
    for line in lines:
        word = line.rstrip("\n")
        cut = tokens.split_here(word) if word and tokens.has_hangul(word) else None
        out.write(f"{-1 if cut is None else cut}\n")
        out.flush()


class Analyser:
    """The analyser process, started on demand; :meth:`split` asks it about one word and waits
    for the answer (at once once it has loaded). A process that died is started again once; if
    that fails too the analysis is done here, so an answer is never wrong, only slower."""

    def __init__(self):
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self.asked = 0  # words answered by the process (the tests look)

    def start(self) -> None:
        """Start the process now, without waiting for it to load."""
        with self._lock:
            self._start()

    def _start(self) -> None:
        if self._process is not None and self._process.poll() is not None:
            self._stop()  # it died: its pipes closed before a new one starts
        if self._process is None:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "annotator.core.analyser"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8", bufsize=1)

    def split(self, word: str) -> int | None:
        with self._lock:
            for _ in range(2):
                try:
                    self._start()
                    self._process.stdin.write(word.replace("\n", " ") + "\n")
                    self._process.stdin.flush()
                    answer = self._process.stdout.readline()
                    if answer:
                        self.asked += 1
                        cut = int(answer)
                        return None if cut < 0 else cut
                except (OSError, ValueError):
                    pass
                self._stop()
        from annotator.core import tokens

        return tokens.split_here(word)

    def _stop(self) -> None:
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
            process.stdout.close()

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
    serve()
