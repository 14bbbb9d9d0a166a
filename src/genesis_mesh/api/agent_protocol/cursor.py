"""The thread-wide `seq` of the Agent Streaming Protocol, made of what the store numbers.

The protocol numbers a thread's events in one sequence across all its runs; the host
numbers each run's events from 1. A protocol `seq` is therefore built, never stored:

    seq = ordinal << 32 | native_seq << 8 | index

`ordinal` is the run's place among the thread's runs (1 for the first, in creation
order), `native_seq` the stored event it comes from, `index` its place among the protocol
events that one stored event maps to. The same stored events always map to the same
protocol events (`mapping.py`), so a `seq` names one event for good: a client that comes
back with it gets exactly what came after, from any process, after any restart. It stays
below 2**53 (a JavaScript number) for 2**21 runs per thread and 2**24 events per run.
"""

from __future__ import annotations

from dataclasses import dataclass

RUN_BITS = 32
EVENT_BITS = 8
MAX_INDEX = (1 << EVENT_BITS) - 1
MAX_NATIVE = (1 << (RUN_BITS - EVENT_BITS)) - 1


@dataclass(frozen=True, order=True)
class Cursor:
    """A position in a thread's protocol events: after (`ordinal`, `native_seq`, `index`)."""

    ordinal: int = 0
    native_seq: int = 0
    index: int = 0

    @property
    def seq(self) -> int:
        return encode(self.ordinal, self.native_seq, self.index)


def encode(ordinal: int, native_seq: int, index: int) -> int:
    return (ordinal << RUN_BITS) | (min(native_seq, MAX_NATIVE) << EVENT_BITS) | index


def decode(seq: int) -> Cursor:
    """The position a client's `since` (or `Last-Event-ID`) names; 0 is the very start."""
    seq = max(seq, 0)
    return Cursor(
        seq >> RUN_BITS,
        (seq >> EVENT_BITS) & MAX_NATIVE,
        seq & MAX_INDEX,
    )


def run_start(ordinal: int) -> int:
    """The `seq` just before the first event of the run at `ordinal`."""
    return encode(ordinal, 0, 0)


def after_event(ordinal: int, native_seq: int) -> int:
    """The `seq` after every protocol event of stored event `native_seq` of a run."""
    return encode(ordinal, native_seq, MAX_INDEX)
