"""The full records of patents recently shown, kept in memory so a title or number
answer needs no database read inside Slack's acknowledgement. Bounded (least
recently shown dropped first) and emptied whenever the patents' store revision
moves, so a record is never older than the index it was found with."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence

from store.records import PatentRecord

# ~0.5 KB a record: a few MB at most, whatever the portfolio's size
CAPACITY = 10_000


class PatentRecords:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._held: OrderedDict[int, PatentRecord] = OrderedDict()
        # bumped by every clear: a read that started before one must not refill the cache
        self._generation = 0

    def clear(self) -> None:
        self._held.clear()
        self._generation += 1

    async def get(self, ids: Sequence[int],
                  read: Callable[[list[int]], Awaitable[dict[int, PatentRecord]]]) -> list[PatentRecord]:
        """The records of `ids` in that order (ids no longer stored are left out);
        `read` fetches the ones not held."""
        held = self._held
        missing = [i for i in ids if i not in held]
        fetched: dict[int, PatentRecord] = {}
        if missing:
            generation = self._generation
            fetched = await read(missing)
            if generation == self._generation:
                for i, v in fetched.items():
                    held[i] = v
                while len(held) > self.capacity:
                    held.popitem(last=False)
        out = []
        for i in ids:
            rec = held.get(i) or fetched.get(i)
            if rec is not None:
                if i in held:
                    held.move_to_end(i)
                out.append(rec)
        return out

    def __len__(self) -> int:
        return len(self._held)
