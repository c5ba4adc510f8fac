"""What a flow's actions say: their content keys and the payloads of their buttons."""

from __future__ import annotations

from collections.abc import Sequence

from flows.actions import Action, Ask, Say


def keys(actions: Sequence[Action]) -> list[str]:
    return [a.key for a in actions if isinstance(a, Say | Ask)]


def payloads(actions: Sequence[Action]) -> list[str]:
    return [o.payload for a in actions if isinstance(a, Ask) for o in a.options]
