"""Example digests for duplicates and train/validation overlap, in a fixed memory budget.

Each example costs 12 bytes (a 64-bit digest of its line and a 32-bit line number) in flat `array`s that the
reading loop extends a block at a time (C speed, no per-example Python work); after both files are read, one
stable sort (numpy) finds the repeats. Past `capacity` examples no more digests are kept and the report says
duplicates were checked for the first `capacity` only.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass

TRAINING = 1
VALIDATION = 2
MAX_SLOTS = 1 << 22  # the budget, kept in the old table's units: capacity = MAX_SLOTS * MAX_LOAD examples
MAX_LOAD = 0.7


@dataclass(frozen=True)
class Repeats:
    """Line numbers (in file order) of repeated examples per file, and validation lines also in training."""

    training_duplicates: list[int]
    validation_duplicates: list[int]
    overlap: list[int]


class DigestTable:
    """Remembers which examples (by digest) were seen in which file, within a fixed memory budget."""

    def __init__(self, max_slots: int | None = None) -> None:
        self.max_slots = max_slots or MAX_SLOTS
        self._digests = {TRAINING: array("q"), VALIDATION: array("q")}
        self._lines = {TRAINING: array("I"), VALIDATION: array("I")}
        self.full = False  # once True, new digests are no longer remembered (the report says so)

    @property
    def capacity(self) -> int:
        """How many distinct examples the table can ever remember."""
        return int(self.max_slots * MAX_LOAD)

    @property
    def used(self) -> int:
        return len(self._digests[TRAINING]) + len(self._digests[VALIDATION])

    def extend(self, role: int, digests: Iterable[int], lines: Iterable[int]) -> None:
        """Record examples (digest, line number) of one file, in file order."""
        room = self.capacity - self.used
        if room <= 0:
            self.full = True
            return
        before = len(self._digests[role])
        self._digests[role].extend(digests)
        self._lines[role].extend(lines)
        if len(self._digests[role]) - before > room:  # over budget: drop the excess, remember it was full
            del self._digests[role][before + room :]
            del self._lines[role][before + room :]
            self.full = True

    def repeats(self) -> Repeats:
        """Find duplicates within each file and validation examples also in training (one sort)."""
        import numpy as np

        train = np.frombuffer(self._digests[TRAINING], dtype=np.int64)
        valid = np.frombuffer(self._digests[VALIDATION], dtype=np.int64)
        keys = np.concatenate([train, valid])
        if len(keys) < 2:
            return Repeats([], [], [])
        lines = np.concatenate(
            [np.frombuffer(self._lines[TRAINING], dtype=np.uint32), np.frombuffer(self._lines[VALIDATION], np.uint32)]
        )
        roles = np.concatenate([np.full(len(train), TRAINING, np.int8), np.full(len(valid), VALIDATION, np.int8)])
        order = np.argsort(keys, kind="stable")  # equal digests stay in file order, training first
        keys, lines, roles = keys[order], lines[order], roles[order]
        del order
        same = np.empty(len(keys), dtype=bool)
        same[0] = False
        same[1:] = keys[1:] == keys[:-1]
        del keys
        index = np.arange(len(same), dtype=np.int32)  # at most `capacity` entries: 32 bits are enough
        index[same] = 0
        start = np.maximum.accumulate(index)  # each entry's first entry with that digest
        del index
        previous_role = np.empty_like(roles)
        previous_role[0] = 0
        previous_role[1:] = roles[:-1]
        in_training = roles[start] == TRAINING
        train_dup = same & (roles == TRAINING)  # training entries come first: any repeat has one before it
        valid_dup = same & (roles == VALIDATION) & (previous_role == VALIDATION)
        overlap = (roles == VALIDATION) & in_training
        return Repeats(
            sorted(lines[train_dup].tolist()), sorted(lines[valid_dup].tolist()), sorted(lines[overlap].tolist())
        )
