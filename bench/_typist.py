"""A typist for the console benchmarks: `/` then keys typed and erased at a person's pace,
sent from another thread as a terminal sends them, each send time queued for the app to match."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from typing import Any

from textual import events


def type_filter(
    app: Any, sent: deque[float], stop: threading.Event, text: str, seed: int, grow: float
) -> None:
    """Open the filter, then until `stop`: add the next character of `text` (with probability
    `grow`, always when empty) or erase one; each key's send time goes to `sent`."""
    driver = app._driver
    assert driver is not None
    driver.process_message(events.Key("slash", "/"))
    time.sleep(0.1)
    rng = random.Random(seed)
    value = ""
    while not stop.is_set():
        time.sleep(rng.uniform(0.05, 0.15))
        if len(value) < len(text) and (not value or rng.random() < grow):
            char = text[len(value)]
            value += char
            name = {" ": "space", "-": "minus"}.get(char, char)
            key = events.Key(name, char)
        else:
            value = value[:-1]
            key = events.Key("backspace", None)
        sent.append(time.perf_counter())
        driver.process_message(key)
