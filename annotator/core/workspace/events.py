"""A tiny Qt-free event emitter: listeners by event name, called in the order they connected."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Callable


class Events:
    """``connect("span_added", listener)``; ``emit("span_added", span=...)`` calls each listener
    with the keyword arguments. A listener's exception reaches the emitter (no failure is hidden)."""

    def __init__(self) -> None:
        self._listeners: dict[str, list[Callable[..., Any]]] = defaultdict(list)

    def connect(self, event: str, listener: Callable[..., Any]) -> None:
        self._listeners[event].append(listener)

    def disconnect(self, event: str, listener: Callable[..., Any]) -> None:
        self._listeners[event].remove(listener)

    def emit(self, event: str, **what: Any) -> None:
        for listener in list(self._listeners.get(event, ())):
            listener(**what)
