"""The LLM cache's SQL backend: langchain-community's `SQLAlchemyCache` on the table
`full_llm_cache`, with a `stored_at` column (seconds since the epoch) and a time to live.

An answer older than `ttl_seconds` is never served: its lookup is a miss, and its rows
are deleted then. Every expired row is deleted when the cache opens and, while answers
are stored, at most once per TTL (at least once an hour). A TTL of 0 keeps answers until
someone deletes them. A table made by an earlier version (no `stored_at`) gets the
column on open; its rows, of unknown age, count as expired while a TTL is set.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
import warnings
from collections.abc import Callable

from langchain_core.caches import RETURN_VAL_TYPE, BaseCache
from langchain_core.load import dumps, loads
from sqlalchemy import Float, Integer, String, delete, inspect, or_, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

__all__ = ["TABLE", "expiring_sql_cache"]

logger = logging.getLogger(__name__)

TABLE = "full_llm_cache"
MAX_PRUNE_INTERVAL = 3600.0
Clock = Callable[[], float]


class _Base(DeclarativeBase):
    pass


class CacheRow(_Base):
    """One generation of one cached answer (langchain-community's columns + `stored_at`)."""

    __tablename__ = TABLE
    prompt: Mapped[str] = mapped_column(String, primary_key=True)
    llm: Mapped[str] = mapped_column(String, primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    response: Mapped[str | None] = mapped_column(String)
    stored_at: Mapped[float | None] = mapped_column(Float, nullable=True)


def expiring_sql_cache(engine: Engine, ttl_seconds: int, clock: Clock = time.time) -> BaseCache:
    """The SQL backend on `engine`: answers kept `ttl_seconds` (0: for ever), aged by
    `clock` (seconds since the epoch; tests pass their own)."""
    if ttl_seconds < 0:
        raise ValueError(f"the LLM cache's TTL must be 0 (no expiry) or more, not {ttl_seconds}")
    return _expiring_cache_class()(engine, ttl_seconds, clock)


@functools.cache
def _expiring_cache_class() -> Callable[[Engine, int, Clock], BaseCache]:
    """Built on first use: langchain-community takes seconds to import."""
    with warnings.catch_warnings():  # the package warns that it is being sunset
        warnings.simplefilter("ignore", DeprecationWarning)
        from langchain_community.cache import SQLAlchemyCache

    class ExpiringSQLAlchemyCache(SQLAlchemyCache):
        def __init__(self, engine: Engine, ttl_seconds: int, clock: Clock) -> None:
            # creates the table when it is missing; CacheRow has FullLLMCache's columns
            super().__init__(engine, CacheRow)  # type: ignore[arg-type]
            self.ttl = float(ttl_seconds)
            self.clock = clock
            self._prune_lock = threading.Lock()
            self._last_prune = float("-inf")
            _add_stored_at(engine)
            self.prune()

        def lookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
            key = (CacheRow.prompt == prompt, CacheRow.llm == llm_string)
            stmt = select(CacheRow.response, CacheRow.stored_at).where(*key).order_by(CacheRow.idx)
            with Session(self.engine) as session:
                rows = session.execute(stmt).all()
                if not rows:
                    return None
                if any(self._expired(stored_at) for _, stored_at in rows):
                    session.execute(delete(CacheRow).where(*key))
                    session.commit()
                    return None
            return [loads(response or "") for response, _ in rows]

        def update(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
            now = self.clock()
            key = (CacheRow.prompt == prompt, CacheRow.llm == llm_string)
            rows = [
                CacheRow(prompt=prompt, llm=llm_string, idx=i, response=dumps(g), stored_at=now)
                for i, g in enumerate(return_val)
            ]
            with Session(self.engine) as session, session.begin():
                session.execute(delete(CacheRow).where(*key, CacheRow.idx >= len(rows)))
                for row in rows:
                    session.merge(row)
            if self.ttl and now - self._last_prune >= min(self.ttl, MAX_PRUNE_INTERVAL):
                self.prune()

        def prune(self) -> int:
            """Delete every expired row (none while the TTL is 0); how many went."""
            if not self.ttl:
                return 0
            with self._prune_lock:
                now = self.clock()
                stale = or_(CacheRow.stored_at.is_(None), CacheRow.stored_at < now - self.ttl)
                with self.engine.begin() as conn:
                    deleted = conn.execute(delete(CacheRow).where(stale)).rowcount
                self._last_prune = now
            if deleted:
                logger.debug("LLM cache: pruned %d expired rows", deleted)
            return deleted

        def _expired(self, stored_at: float | None) -> bool:
            if not self.ttl:
                return False
            return stored_at is None or stored_at < self.clock() - self.ttl

    return ExpiringSQLAlchemyCache


def _add_stored_at(engine: Engine) -> None:
    """Give a `full_llm_cache` made without `stored_at` the column (another process may
    add it at the same moment: then its column is the one kept)."""
    if "stored_at" in {c["name"] for c in inspect(engine).get_columns(TABLE)}:
        return
    try:
        with engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE {TABLE} ADD COLUMN stored_at FLOAT"))
    except Exception:
        if "stored_at" not in {c["name"] for c in inspect(engine).get_columns(TABLE)}:
            raise
