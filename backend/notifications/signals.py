"""After-commit announcements: a complaint changed, and the outbox may hold
new rows. Listeners (the push engine's wake-up, the live-update stream) are
registered by whoever runs them, for as long as they run; the use cases only
announce, so they stay free of delivery concerns."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ComplaintChanged:
    complaint_id: int
    tracking_no: str
    status: str
    type: str  # the event type, e.g. "dispatch"
    reporter_id: int
    # The units that could see it before or after the step: a PIC's inbox must
    # also refresh when a complaint leaves it.
    unit_ids: frozenset[int]


Listener = Callable[[ComplaintChanged], Awaitable[None]]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


async def announce(change: ComplaintChanged) -> None:
    for listener in list(_listeners):
        try:
            await listener(change)
        except Exception:  # a listener's failure must not undo a committed step
            log.exception("listener %r failed for complaint %s", listener, change.complaint_id)
