"""Entry numbers by name in two machine arrays: an open-addressing hash table.

A dict from 335,006 entry names (a bundle of 100,000 articles) to their
numbers costs about 100 bytes an entry in objects; this costs 8 bytes a slot
(at most 4 slots an entry) and keeps no key: a candidate's key is asked of
`key_of` and compared only when its 32 bits of hash match. Python's string
hash is keyed per process, so a hostile bundle cannot choose colliding names.
"""

from __future__ import annotations

from array import array
from typing import Callable

_EMPTY = -1
_START = 64


class NameIndex:
    def __init__(self, key_of: Callable[[int], str]) -> None:
        self._key_of = key_of
        self._slots = array("i", [_EMPTY]) * _START  # entry numbers
        self._hashes = array("I", bytes(4 * _START))
        self._used = 0

    def _find(self, key: str, h: int) -> int:
        """The slot holding `key`, or the empty slot where it would go."""
        mask = len(self._slots) - 1
        j = h & mask
        slots, hashes = self._slots, self._hashes
        while (i := slots[j]) != _EMPTY:
            if hashes[j] == h and self._key_of(i) == key:
                return j
            j = (j + 1) & mask
        return j

    def add(self, key: str, i: int) -> int | None:
        """File entry `i` under `key`, unless an entry already holds an equal
        key: then return that entry's number (and file nothing)."""
        h = hash(key) & 0xFFFFFFFF
        j = self._find(key, h)
        if self._slots[j] != _EMPTY:
            return self._slots[j]
        self._slots[j], self._hashes[j] = i, h
        self._used += 1
        if 2 * self._used > len(self._slots):
            self._grow()
        return None

    def get(self, key: str) -> int | None:
        h = hash(key) & 0xFFFFFFFF
        i = self._slots[self._find(key, h)]
        return None if i == _EMPTY else i

    def _grow(self) -> None:
        old_slots, old_hashes = self._slots, self._hashes
        size = 2 * len(old_slots)
        self._slots, self._hashes = array("i", [_EMPTY]) * size, array("I", bytes(4 * size))
        mask = size - 1
        for i, h in zip(old_slots, old_hashes):
            if i != _EMPTY:
                j = h & mask
                while self._slots[j] != _EMPTY:
                    j = (j + 1) & mask
                self._slots[j], self._hashes[j] = i, h

    def __len__(self) -> int:
        return self._used
