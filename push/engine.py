"""The delivery engine: claims due outbox rows, sends them, records the
outcome; runs the tickers the app registers (the complaint SLA timers).
Runs inside `upik serve` (SQLite mode) or as
`upik worker` processes (PostgreSQL + Redis), woken by the commit that wrote
the rows; a slow sweep is only the safety net.

Guarantees:
- a row is claimed by one worker at a time (SKIP LOCKED on PostgreSQL, the
  single writer on SQLite), with a lease: a worker killed mid-send leaves
  claims that expire and are sent by another (at least once; the
  notification id lets the service worker drop a duplicate);
- a phone that already accepted a notification is not sent it again when the
  notification is retried for the user's other phones.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import socket
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from backend.common.clock import now
from backend.database import (
    TunedSQLiteEngine,
    compiled,
    current_engine,
    json_column,
    write_statements,
    write_transaction,
)
from backend.notifications.tables import Notification
from push import receipts
from push.sender import Device, Outcome, PushSender, fit_payload
from push.tables import PushSubscription

log = logging.getLogger("upik.push")

# Timed work the app hands the engine (e.g. the complaint SLA timers): does
# whatever is due, returns the seconds until it is next due (None: nothing
# scheduled). Its outbox rows go out in the same wake-up.
Ticker = Callable[[], Awaitable[float | None]]
N = Notification
RESCAN_S = 0.5
RETRY_AFTER_CAP_S = 3600.0
BATCH_GATHER_S = 0.002


# Attempts are counted at claim time: a notification that crashes its worker
# every time still runs out of attempts.
_CLAIMED = "status = 'sending', claimed_until = {}, claimed_by = {}, attempts = attempts + 1"
_DUE = (
    "(status = 'pending' AND next_attempt_at <= {}) OR (status = 'sending' AND claimed_until < {})"
)
_RETURNING = (
    "RETURNING notification.id, recipient, payload, urgency, topic, ttl, attempts, "
    "delivered_to, sent_at, only_subscription, created_at"
)
_CLAIM_SQLITE = (
    f"UPDATE notification SET {_CLAIMED} WHERE id IN "
    f"(SELECT id FROM notification WHERE {_DUE} ORDER BY id LIMIT {{}}) {_RETURNING}"
)
# The CTE is evaluated once, so the rows it locked are exactly the rows updated.
_CLAIM_POSTGRES = (
    f"WITH due AS (SELECT id FROM notification WHERE {_DUE} ORDER BY id LIMIT {{}} "
    f"FOR UPDATE SKIP LOCKED) UPDATE notification SET {_CLAIMED} "
    f"FROM due WHERE notification.id = due.id {_RETURNING}"
)


@dataclass
class EngineConfig:
    batch_size: int = 500
    lease_s: float = 60.0
    max_attempts: int = 8
    retry_base_s: float = 2.0
    retry_cap_s: float = 900.0
    sweep_s: float = 30.0
    # Signs each payload's `receipt` (push/receipts.py); the web app checks it.
    receipt_secret: str = ""


@dataclass
class _Result:
    id: int
    status: str
    next_attempt_at: datetime | None = None
    last_http_status: int | None = None
    last_error: str | None = None
    delivered_to: list[int] = field(default_factory=list)
    newly_sent: bool = False


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"[:64]


class DeliveryEngine:
    def __init__(
        self,
        sender: PushSender,
        config: EngineConfig | None = None,
        name: str | None = None,
        tickers: Iterable[Ticker] = (),
    ) -> None:
        self.sender = sender
        self.config = config or EngineConfig()
        self.name = name or worker_name()
        self.tickers: list[Ticker] = list(tickers)
        self._wake = asyncio.Event()
        self._stopping = False
        self._busy = False
        self._next_retry: float | None = None  # seconds until the soonest scheduled retry
        self.sent_count = 0

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Drain on every wake-up; look at timers, retries and leases (a few
        queries) when one is due, or at most every RESCAN_S while commits keep
        waking us, so a burst of submissions does not turn into a burst of
        scans."""
        await self.sender.start()
        loop = asyncio.get_running_loop()
        due_at = loop.time()  # when a timer, retry or lease next needs us
        scanned_at = -RESCAN_S
        try:
            while not self._stopping:
                woken = self._wake.is_set()
                self._wake.clear()
                try:
                    ticked = loop.time() >= due_at
                    if ticked:
                        # Before the drain, so what the tickers enqueue goes out now.
                        tickers_due = await self.run_tickers()
                    if woken and self._busy:
                        # Under load, let the commits in flight join this batch.
                        await asyncio.sleep(BATCH_GATHER_S)
                    await self.drain()
                    if loop.time() >= due_at or loop.time() - scanned_at >= RESCAN_S:
                        if not ticked:
                            # A commit may have set a timer; a ticker says when.
                            tickers_due = await self.run_tickers()
                        due_at = loop.time() + await self.seconds_until_due(tickers_due)
                        scanned_at = loop.time()
                        rescan = False
                    else:
                        rescan = woken  # a commit may have set a timer: look soon
                    if self._next_retry is not None:
                        due_at = min(due_at, loop.time() + self._next_retry)
                        self._next_retry = None
                except Exception:
                    # The database may be restarting; keep the engine alive.
                    log.exception("push engine tick failed")
                    due_at, rescan = loop.time() + 1.0, False
                wake_at = min(due_at, scanned_at + RESCAN_S) if rescan else due_at
                delay = wake_at - loop.time()
                if delay > 0 and not self._wake.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), timeout=delay)
        finally:
            await self.release_claims()
            await self.sender.close()

    async def drain(self) -> int:
        delivered = 0
        self._busy = False
        while not self._stopping:
            batch = await self.claim()
            if not batch:
                break
            self._busy = True
            delivered += await self.deliver(batch)
        return delivered

    # --- claiming ---------------------------------------------------------

    async def claim(self) -> list[dict]:
        """Take up to `batch_size` due notifications with a lease, in one
        statement (atomic on its own): on SQLite under the write lock, on
        PostgreSQL with SKIP LOCKED so that workers never take the same row."""
        at = now()
        engine = current_engine()
        lease = (at + timedelta(seconds=self.config.lease_s), self.name)
        due = (at, at, self.config.batch_size)
        if isinstance(engine, TunedSQLiteEngine):
            async with engine.write_lock():
                rows = await N.raw(_CLAIM_SQLITE, *lease, *due)
        else:
            rows = await N.raw(_CLAIM_POSTGRES, *due, *lease)
        return sorted(rows, key=lambda r: r["id"])

    # --- sending ----------------------------------------------------------

    async def _devices(self, user_ids: set[int]) -> dict[int, list[Device]]:
        rows = await PushSubscription.select(
            PushSubscription.id,
            PushSubscription.user,
            PushSubscription.endpoint,
            PushSubscription.origin,
            PushSubscription.p256dh,
            PushSubscription.auth,
        ).where(PushSubscription.user.is_in(list(user_ids)))
        devices: dict[int, list[Device]] = defaultdict(list)
        for r in rows:
            devices[r["user"]].append(
                Device(r["id"], r["endpoint"], r["origin"], r["p256dh"], r["auth"])
            )
        return devices

    async def deliver(self, batch: list[dict]) -> int:
        # A batch may take longer than its lease (a slow push service, a long
        # queue behind the concurrency bound): keep the lease alive while we
        # work, so a healthy worker's claims are never taken over.
        heartbeat = asyncio.create_task(self._keep_leases([n["id"] for n in batch]))
        try:
            devices = await self._devices({n["recipient"] for n in batch})
            results = await asyncio.gather(*(self._deliver_safely(n, devices) for n in batch))
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        gone = {device_id for r, pruned in results for device_id in pruned}
        await self._record([r for r, _ in results], gone)
        _count_outcomes(batch, [r for r, _ in results])
        return sum(1 for r, _ in results if r.newly_sent)

    async def _keep_leases(self, ids: list[int]) -> None:
        interval = max(0.2, self.config.lease_s / 3)
        while True:
            await asyncio.sleep(interval)
            try:
                async with write_transaction(current_engine()):
                    await N.update(
                        {N.claimed_until: now() + timedelta(seconds=self.config.lease_s)}
                    ).where(N.id.is_in(ids) & (N.claimed_by == self.name) & (N.status == "sending"))
            except Exception:
                log.exception("could not renew push leases")

    async def _deliver_safely(
        self, n: dict, devices: dict[int, list[Device]]
    ) -> tuple[_Result, set[int]]:
        """One notification's trouble stays its own: the rest of the batch
        is recorded whatever happens here."""
        try:
            if n["attempts"] > self.config.max_attempts:
                # Claimed again and again by workers that died mid-send.
                return _Result(
                    n["id"],
                    "failed",
                    delivered_to=json_column(n["delivered_to"], []),
                    last_error="gave up: attempts exhausted",
                ), set()
            return await self._deliver_one(n, devices)
        except Exception as exc:
            log.exception("notification %s could not be sent", n["id"])
            retry = n["attempts"] < self.config.max_attempts
            return _Result(
                n["id"],
                "pending" if retry else "failed",
                next_attempt_at=now() + timedelta(seconds=self._backoff(n["attempts"], 0))
                if retry
                else None,
                delivered_to=json_column(n["delivered_to"], []),
                last_error=f"{type(exc).__name__}: {exc}"[:300],
            ), set()

    async def _deliver_one(
        self, n: dict, devices: dict[int, list[Device]]
    ) -> tuple[_Result, set[int]]:
        delivered = set(json_column(n["delivered_to"], []))
        only = n.get("only_subscription")  # a push meant for one device (a test push)
        targets = [
            d
            for d in devices.get(n["recipient"], [])
            if d.id not in delivered and (only is None or d.id == only)
        ]
        if not targets:
            status = "sent" if delivered else "no_device"
            return _Result(
                n["id"],
                status,
                delivered_to=sorted(delivered),
                last_error=None if delivered else "no push subscription",
            ), set()
        payload = json_column(n["payload"], {})
        payload["notification_id"] = n["id"]
        payload["receipt"] = receipts.sign(self.config.receipt_secret, n["id"])
        plaintext = fit_payload(payload)
        outcomes: list[Outcome] = await asyncio.gather(
            *(
                self.sender.send(d, plaintext, ttl=n["ttl"], urgency=n["urgency"], topic=n["topic"])
                for d in targets
            )
        )
        pruned, retry_after, last = set(), [], outcomes[-1]
        for device, outcome in zip(targets, outcomes, strict=True):
            if outcome.accepted:
                delivered.add(device.id)
            elif outcome.gone:
                pruned.add(device.id)
            elif outcome.retryable:
                retry_after.append(outcome.retry_after or 0.0)
                last = outcome
            else:
                last = outcome  # a 4xx that retrying will not fix: recorded, not retried
        result = _Result(
            n["id"],
            "sent",
            delivered_to=sorted(delivered),
            last_http_status=last.status,
            last_error=last.error,
            newly_sent=bool(delivered) and n["sent_at"] is None,
        )
        if retry_after and n["attempts"] < self.config.max_attempts:
            result.status = "pending"
            result.next_attempt_at = now() + timedelta(
                seconds=self._backoff(n["attempts"], max(retry_after))
            )
        elif not delivered:
            result.status = "failed"
        return result, pruned

    def _backoff(self, attempts: int, retry_after: float) -> float:
        if retry_after:
            # Honoured up to a bound: an absurd Retry-After must not park a
            # notification for years (or overflow the clock).
            retry_after = min(retry_after, RETRY_AFTER_CAP_S)
            return retry_after + random.uniform(0, 0.1 * retry_after)
        ceiling = min(self.config.retry_cap_s, self.config.retry_base_s * 2 ** (attempts - 1))
        return random.uniform(ceiling / 2, ceiling)  # jitter: retries of a burst spread out

    async def _record(self, results: list[_Result], gone: set[int]) -> None:
        at = now()
        # Rows with the same outcome share one UPDATE: the write lock is held
        # for a few statements, not one per notification.
        groups: dict[tuple, list[int]] = defaultdict(list)
        for r in results:
            outcome = (
                r.status,
                r.last_http_status,
                r.last_error,
                json.dumps(r.delivered_to),
                r.next_attempt_at,
                r.newly_sent,
            )
            groups[outcome].append(r.id)
            if r.next_attempt_at:
                wait = (r.next_attempt_at - at).total_seconds()
                self._next_retry = min(
                    wait, self._next_retry if self._next_retry is not None else wait
                )
        statements = []
        for (status, http, error, delivered, retry_at, newly_sent), ids in groups.items():
            values = {
                N.status: status,
                N.claimed_until: None,
                N.claimed_by: None,
                N.last_http_status: http,
                N.last_error: error,
                N.delivered_to: delivered,
            }
            if retry_at:
                values[N.next_attempt_at] = retry_at
            if newly_sent:
                values[N.sent_at] = at
            # Only while the claim is still ours: a lease that expired and
            # was taken over belongs to the other worker now.
            statements.append(
                compiled(N.update(values).where(N.id.is_in(ids) & (N.claimed_by == self.name)))
            )
        if gone:
            statements.append(
                compiled(PushSubscription.delete().where(PushSubscription.id.is_in(list(gone))))
            )
        await write_statements(current_engine(), statements)
        self.sent_count += sum(1 for r in results if r.newly_sent)

    # --- tickers and timing ---------------------------------------------

    async def run_tickers(self) -> datetime | None:
        """Run every registered ticker; when the soonest is due again."""
        due = []
        for tick in self.tickers:
            delay = await tick()
            if delay is not None:
                due.append(now() + timedelta(seconds=delay))
        return min(due) if due else None

    async def seconds_until_due(self, tickers_due: datetime | None = None) -> float:
        """Sleep exactly until the next retry, lease expiry or ticker."""
        candidates = [tickers_due] if tickers_due is not None else []
        pending = (
            await N.select(N.next_attempt_at)
            .where(N.status == "pending")
            .order_by(N.next_attempt_at)
            .first()
        )
        if pending:
            candidates.append(pending["next_attempt_at"])
        leased = (
            await N.select(N.claimed_until)
            .where(N.status == "sending")
            .order_by(N.claimed_until)
            .first()
        )
        if leased and leased["claimed_until"]:
            candidates.append(leased["claimed_until"])
        if not candidates:
            return self.config.sweep_s
        delay = (min(candidates) - now()).total_seconds()
        return min(self.config.sweep_s, max(0.0, delay) + 0.005)

    async def release_claims(self) -> int:
        """On shutdown: what this engine claimed but did not get to record
        goes back to pending at once (instead of waiting out its lease), and
        the interrupted attempt is not counted against it."""
        try:
            async with write_transaction(current_engine()):
                released = await N.update(
                    {
                        N.status: "pending",
                        N.claimed_until: None,
                        N.claimed_by: None,
                        N.next_attempt_at: now(),
                        N.attempts: N.attempts - 1,
                    }
                ).where((N.claimed_by == self.name) & (N.status == "sending")).returning(N.id)
        except Exception:
            # The leases still expire: the rows are late, not lost.
            log.exception("could not release push claims on shutdown")
            return 0
        if released:
            log.info("shutdown: %d unsent notifications back to pending", len(released))
        return len(released)


def _count_outcomes(batch: list[dict], results: list[_Result]) -> None:
    """Prometheus: each outcome, and commit -> accepted for first deliveries."""
    from backend.common.metrics import PUSH_LATENCY, PUSH_SENT

    at = now()
    for n, r in zip(batch, results, strict=True):
        PUSH_SENT.labels(r.status).inc()
        if r.newly_sent and n.get("created_at") is not None:
            created = n["created_at"]
            if isinstance(created, str):  # SQLite's raw rows keep the stored text
                created = datetime.fromisoformat(created)
            if created.tzinfo is None:
                created = created.replace(tzinfo=at.tzinfo)
            PUSH_LATENCY.observe(max(0.0, (at - created).total_seconds()))
