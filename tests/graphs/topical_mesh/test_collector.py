"""The garbage-collector pause of the big parse phases: nested, threaded, restored."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from graphs.topical_mesh.collector import paused_collection, without_collection


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_back_on_after_the_last_overlapping_pause() -> None:
    gc.enable()
    inside = threading.Event()
    release = threading.Event()

    def long_phase() -> None:
        with paused_collection():
            inside.set()
            release.wait(5)

    other = threading.Thread(target=long_phase)
    other.start()
    inside.wait(5)
    with paused_collection():
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other run's phase is still going
    release.set()
    other.join(5)
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    with paused_collection():
        pass
    assert not gc.isenabled()


def test_the_wrapped_function_runs_paused_and_restores_on_error() -> None:
    gc.enable()

    def fails() -> None:
        assert not gc.isenabled()
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        without_collection(fails)()
    assert gc.isenabled()
    assert without_collection(lambda a, b: a + b)(2, b=3) == 5
