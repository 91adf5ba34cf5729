"""A fixed-budget set of example digests, for duplicates and train/validation overlap with flat memory.

A Python set of ints costs about 60-70 bytes per example and grows without bound; this table stores one
64-bit word per slot in an `array` (open addressing, linear probing), grows by doubling only up to
MAX_SLOTS, and after that stops admitting new digests. The two low bits of each word say in which file(s)
the example was seen, so one table serves the training file, the validation file and their overlap.
"""

from __future__ import annotations

from array import array

TRAINING = 1
VALIDATION = 2
_FLAGS = 3
_MASK64 = (1 << 64) - 1
INITIAL_SLOTS = 1 << 12
MAX_SLOTS = 1 << 22  # 32 MiB of words; at most MAX_LOAD of them used: about 2.9 million examples tracked
MAX_LOAD = 0.7


class DigestTable:
    """Remembers which examples (by 62-bit digest) were seen in which file, within a fixed memory budget."""

    def __init__(self, max_slots: int | None = None) -> None:
        self.max_slots = max_slots or MAX_SLOTS  # a power of two
        self._slots = array("Q", bytes(8 * min(INITIAL_SLOTS, self.max_slots)))
        self._mask = len(self._slots) - 1
        self.used = 0
        self.full = False  # once True, new digests are no longer remembered (the report says so)

    @property
    def capacity(self) -> int:
        """How many distinct examples the table can ever remember."""
        return int(self.max_slots * MAX_LOAD)

    def add(self, digest: int, role: int) -> int:
        """Record `digest` as seen in `role`; return the roles it had been seen in before (0 = new).

        `digest` is any int (e.g. `hash(line)`); role is TRAINING or VALIDATION.
        """
        key = (digest & _MASK64) | _FLAGS  # low bits hold the roles; |3 also keeps every key non-zero
        slots, mask = self._slots, self._mask
        index = (key >> 2) & mask
        while True:
            word = slots[index]
            if word == 0:
                break
            if (word | _FLAGS) == key:
                slots[index] = word | role
                return word & _FLAGS
            index = (index + 1) & mask
        if self.used + 1 > len(slots) * MAX_LOAD:
            if len(slots) >= self.max_slots:
                self.full = True
                return 0
            self._grow()
            return self.add(digest, role)
        slots[index] = (key & ~_FLAGS) | role
        self.used += 1
        return 0

    def _grow(self) -> None:
        old = self._slots
        self._slots = array("Q", bytes(16 * len(old)))
        self._mask = len(self._slots) - 1
        slots, mask = self._slots, self._mask
        for word in old:
            if word:
                index = ((word | _FLAGS) >> 2) & mask
                while slots[index]:
                    index = (index + 1) & mask
                slots[index] = word
