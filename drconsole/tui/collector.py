"""Full garbage collections held off while a screen loads its accounts, and what was loaded
frozen afterwards (out of the cyclic collector's sight)."""

from __future__ import annotations

import gc

# A full collection walks every object alive: at a thousand accounts, 0.2-0.8 s with every
# thread stopped, seen as keystrokes answered in 300-450 ms while the accounts load. Young
# generations are still collected; only the oldest waits.
HELD_OFF = 1 << 30
# While accounts load, botocore's calls allocate a few thousand short-lived objects each: with
# the default threshold (700) the youngest generation is collected several times a call, each
# time walking what the call still holds. Collected every 20,000 allocations instead, most of
# them have died first.
YOUNG_WHILE_HELD = 20_000


class FullCollectionHold:
    """Holds full collections off between `hold` and `release` (each at most once at a time)."""

    def __init__(self) -> None:
        self._saved: tuple[int, int, int] | None = None

    @property
    def held(self) -> bool:
        return self._saved is not None

    def hold(self) -> None:
        """From now on, no automatic full collection, and young ones less often."""
        if self._saved is None:
            self._saved = gc.get_threshold()
            gc.set_threshold(max(self._saved[0], YOUNG_WHILE_HELD), self._saved[1], HELD_OFF)

    def release(self) -> None:
        """Full collections as before; what is alive now (the loaded accounts, which live as
        long as the console) is frozen, so they need not walk it again."""
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None
            gc.freeze()
