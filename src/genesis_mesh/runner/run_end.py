"""What the runner tells the hooks that follow a run's end (`Runner.run_end_hooks`).

The hooks (the LangGraph Server API's webhooks and temporary threads register there;
the runner knows nothing of them) run in whichever process ends the run, an API process
or a standalone worker. Most runs owe nothing at their end, so the runner passes what it
knows for free, letting a hook skip the store: whether the run was started here by a
caller whose own memory says what it armed (`local`), or what the run's row said was
owed when this process claimed it from the queue (`owes`, read with the claim).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RunEnd:
    run_id: str
    local: bool = False
    """Created or resumed by a caller in this process (embedded mode)."""
    owes: bool | None = None
    """Claimed here: whether its row owed work at its end then; None when not claimed."""
