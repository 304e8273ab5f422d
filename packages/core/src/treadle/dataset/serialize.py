"""Pack a list of dicts into one byte buffer plus an address array, and read it back.

Python objects are reference counted, so a forked DataLoader worker that merely
reads a list of dicts touches every object's header and copies its memory page
by page. Two numpy arrays hold no Python objects per record: workers share them
for as long as nobody writes to them.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import Any

import numpy as np

PROTOCOL = 4  # readable by every Python Treadle supports


def pack(records: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """``(data_bytes, data_address)``: records pickled end to end (uint8) and their
    cumulative end offsets (int64)."""
    chunks = [pickle.dumps(record, protocol=PROTOCOL) for record in records]
    address = np.cumsum(np.fromiter(map(len, chunks), dtype=np.int64, count=len(chunks)))
    data = np.frombuffer(b"".join(chunks), dtype=np.uint8).copy()  # writable, owns its memory
    return data, address


def unpack(data: np.ndarray, address: np.ndarray, idx: int) -> Any:
    """The record at non-negative position ``idx``."""
    start = address.item(idx - 1) if idx else 0
    return pickle.loads(data[start : address.item(idx)])  # a view: no bytes are copied


def take(
    data: np.ndarray, address: np.ndarray, indices: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """A new ``(data_bytes, data_address)`` holding the records at ``indices``, in order."""
    starts = np.concatenate(([0], address[:-1]))
    picked = [data[starts[i] : address[i]] for i in indices]
    sizes = np.fromiter((len(chunk) for chunk in picked), dtype=np.int64, count=len(picked))
    if not picked:
        return np.zeros(0, dtype=np.uint8), sizes
    return np.concatenate(picked), np.cumsum(sizes)


def head(data: np.ndarray, address: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The first ``count`` records (a copy)."""
    end = int(address[count - 1]) if count > 0 else 0
    return data[:end].copy(), address[:count].copy()


def tail(data: np.ndarray, address: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The last ``count`` records (a copy)."""
    if count == 0:
        return np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64)
    first = len(address) - count
    start = int(address[first - 1]) if first > 0 else 0
    return data[start:].copy(), address[first:] - start
