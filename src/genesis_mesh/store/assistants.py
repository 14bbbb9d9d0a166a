"""Stored assistants (a graph with its config, context and metadata) and their versions;
rows become `AssistantRecord`s here and nowhere else."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from genesis_mesh.store.clock import aware, utcnow
from genesis_mesh.store.tables import assistant_versions, assistants


class AssistantRecord(BaseModel):
    """One version of an assistant: `graph` run with `config`, `context` and `metadata`."""

    assistant_id: str
    graph: str
    owner: str
    name: str
    description: str | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
    version: int = 1
    created_at: datetime
    updated_at: datetime


class AssistantStore:
    """Assistants by owner; someone else's assistant reads as missing (None)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def create(self, record: AssistantRecord) -> AssistantRecord:
        values = _values(record)
        async with self.engine.begin() as conn:
            await conn.execute(
                insert(assistants).values(
                    id=record.assistant_id,
                    owner=record.owner,
                    version=record.version,
                    updated_at=record.updated_at,
                    **values,
                )
            )
            await conn.execute(
                insert(assistant_versions).values(
                    assistant_id=record.assistant_id, version=record.version, **values
                )
            )
        return record

    async def get(self, assistant_id: str, owner: str | None) -> AssistantRecord | None:
        query = select(assistants).where(assistants.c.id == assistant_id)
        if owner is not None:
            query = query.where(assistants.c.owner == owner)
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else _record(row)

    async def all(self, owner: str | None) -> list[AssistantRecord]:
        query = select(assistants).order_by(assistants.c.created_at.desc())
        if owner is not None:
            query = query.where(assistants.c.owner == owner)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_record(row) for row in rows]

    async def update(self, current: AssistantRecord, **changes: Any) -> AssistantRecord:
        """Store a new version with `changes` and make it the latest."""
        async with self.engine.begin() as conn:
            newest: int = (
                await conn.execute(
                    select(assistant_versions.c.version)
                    .where(assistant_versions.c.assistant_id == current.assistant_id)
                    .order_by(assistant_versions.c.version.desc())
                    .limit(1)
                )
            ).scalar_one()
            now = utcnow()
            record = current.model_copy(
                update={**changes, "version": newest + 1, "updated_at": now, "created_at": now}
            )
            await conn.execute(
                insert(assistant_versions).values(
                    assistant_id=record.assistant_id, version=record.version, **_values(record)
                )
            )
            await conn.execute(
                update(assistants)
                .where(assistants.c.id == record.assistant_id)
                .values(version=record.version, updated_at=now, **_values(record, created=False))
            )
        return record.model_copy(update={"created_at": current.created_at})

    async def set_latest(self, current: AssistantRecord, version: int) -> AssistantRecord | None:
        """Make a stored version the latest; None when there is no such version."""
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    select(assistant_versions).where(
                        assistant_versions.c.assistant_id == current.assistant_id,
                        assistant_versions.c.version == version,
                    )
                )
            ).first()
            if row is None:
                return None
            now = utcnow()
            record = _version_record(row, current.owner).model_copy(
                update={"created_at": current.created_at, "updated_at": now}
            )
            await conn.execute(
                update(assistants)
                .where(assistants.c.id == record.assistant_id)
                .values(version=version, updated_at=now, **_values(record, created=False))
            )
        return record

    async def versions(self, current: AssistantRecord) -> list[AssistantRecord]:
        query = (
            select(assistant_versions)
            .where(assistant_versions.c.assistant_id == current.assistant_id)
            .order_by(assistant_versions.c.version.desc())
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_version_record(row, current.owner) for row in rows]

    async def delete(self, assistant_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                delete(assistant_versions).where(assistant_versions.c.assistant_id == assistant_id)
            )
            await conn.execute(delete(assistants).where(assistants.c.id == assistant_id))


def _values(record: AssistantRecord, created: bool = True) -> dict[str, Any]:
    values: dict[str, Any] = {
        "graph": record.graph,
        "name": record.name,
        "description": record.description,
        "config": record.config,
        "context": record.context,
        "metadata": record.metadata,
    }
    if created:
        values["created_at"] = record.created_at
    return values


def _record(row: Row[Any]) -> AssistantRecord:
    m = row._mapping
    return AssistantRecord(
        assistant_id=m["id"],
        graph=m["graph"],
        owner=m["owner"],
        name=m["name"],
        description=m["description"],
        config=m["config"] or {},
        context=m["context"] or {},
        metadata=m["metadata"] or {},
        version=m["version"],
        created_at=aware(m["created_at"]),
        updated_at=aware(m["updated_at"]),
    )


def _version_record(row: Row[Any], owner: str) -> AssistantRecord:
    m = row._mapping
    created = aware(m["created_at"])
    return AssistantRecord(
        assistant_id=m["assistant_id"],
        graph=m["graph"],
        owner=owner,
        name=m["name"],
        description=m["description"],
        config=m["config"] or {},
        context=m["context"] or {},
        metadata=m["metadata"] or {},
        version=m["version"],
        created_at=created,
        updated_at=created,
    )
