"""Errors raised by the topical_mesh graph.

    TopicalMeshError
     ├── CloneRefused (also ValueError)  the source was refused before git started
     └── CloneFailed                     git ran and failed, timed out or went over a cap

Each message names the rule that was broken and the setting or action that changes it.
"""

from __future__ import annotations


class TopicalMeshError(Exception):
    """Base class of every error the topical_mesh graph raises on purpose."""


class CloneRefused(TopicalMeshError, ValueError):
    """The repository URL or local path was refused; no git process was started."""


class CloneFailed(TopicalMeshError):
    """git was started but the clone did not produce an acceptable checkout."""
