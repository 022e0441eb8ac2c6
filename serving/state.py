"""Everything one app instance holds: settings, models, store, metrics and the worker journal."""

from __future__ import annotations

import asyncio
import logging
import math
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from serving.config import FAMILIES, ServingSettings
from serving.metrics import ServiceMetrics
from serving.registry import FamilyReload, ModelHolder, ModelSource, Snapshot
from serving.sync import WorkerJournal

log = logging.getLogger(__name__)

RELOAD_SWITCH_INTERVAL = 0.0005  # seconds; see ServiceState.reload
LIVE_CHANGES = ("purchase", "return")  # the event types the serving recommender takes in without training
CUSTOMER_FAMILIES = ("recommender", "churn")  # the families that hold something about each customer


class StoreUnavailable(RuntimeError):
    """The event store cannot be read, so a customer model cannot learn who was erased."""


@dataclass
class ServiceState:
    """The state of one running app; created by `create_app`, filled in by its lifespan."""

    settings: ServingSettings
    source: ModelSource
    metrics: ServiceMetrics = field(default_factory=ServiceMetrics)
    store: Any = None
    journal: WorkerJournal | None = None
    holder: ModelHolder = field(init=False)
    _reloading: int = field(default=0, init=False)
    _pending: list[tuple[str, str, str, float | None]] = field(default_factory=list, init=False)  # (kind, customer, item, at)
    _erased_live: set[str] = field(default_factory=set, init=False)
    _deferred: list[dict[str, Any]] = field(default_factory=list, init=False)  # journal ops from a reload on
    _switch_interval: float = field(default=0.005, init=False)

    def __post_init__(self) -> None:
        self.holder = ModelHolder(self.source, prepare=self.prepare, on_change=self._models_changed)

    # ---- start-up ------------------------------------------------------------------------
    def open_store(self, attempts: int = 5) -> None:
        """Open the event store the settings point at; the service still serves models without it.

        Workers start together and may race to create the tables of a new store; a failed
        attempt is retried a few times before giving up.
        """
        from features.store import EventStore

        for attempt in range(1, attempts + 1):
            try:
                self.store = EventStore.from_settings(self.settings)
                return
            except Exception as exc:  # noqa: BLE001 - forecasts do not need the store
                if attempt == attempts:
                    log.error("event store unavailable (%s): events, deletion and the customer models "
                              "(recommender, churn) answer 503 until it is back", exc)
                    self.store = None
                    return
                time.sleep(0.2 * attempt)

    async def watch_store(self) -> None:
        """While the store is unavailable, retry it every `store_retry_seconds`; once it opens, reload,
        so the customer models (held back without the erasures) start serving."""
        if self.store is not None:
            return
        while self.store is None:
            await asyncio.sleep(self.settings.store_retry_seconds)
            await asyncio.to_thread(self.open_store, 1)
        log.info("event store available: loading the models that wait for it")
        await self.reload(announce=False)

    def open_journal(self) -> None:
        """Join the journal the workers of this SHOPML_HOME share."""
        try:
            self.journal = WorkerJournal(self.settings.home / "serving" / "workers.jsonl")
        except OSError as exc:
            log.warning("no worker journal (%s): changes reach only the worker that received them", exc)

    def close(self) -> None:
        if self.store is not None and hasattr(self.store, "close"):
            self.store.close()

    # ---- models --------------------------------------------------------------------------
    def prepare(self, family: str, runtime: Any) -> None:
        """Bring a freshly loaded runtime up to date with the store before it serves: erasures, the
        items and customers tables as they are now (stock, categories, lead times, opt-outs), and for
        the recommender the purchases and returns its training did not see. A customer model is
        refused (StoreUnavailable) without the store: it cannot learn who was erased."""
        if self.store is None:
            if family in CUSTOMER_FAMILIES:  # it would answer for customers who asked to be erased
                raise StoreUnavailable(f"the event store is unavailable, so the customers who asked to be erased "
                                       f"cannot be read; the {family} model waits for the store (retried every "
                                       f"{self.settings.store_retry_seconds:g} s)")
            return
        if family in CUSTOMER_FAMILIES:
            for customer_id in self.store.erased_customers():
                _forget(runtime, customer_id)
        if family == "recommender":
            _prepare_recommender(runtime, self.store.read_items(), self.store.read_customers())
            _replay_stored_changes(runtime, self.store)
        elif family == "forecast":
            runtime.take_items_table(self.store.read_items())

    def _models_changed(self, snapshot: Snapshot, report: list[FamilyReload]) -> None:
        for r in report:
            self.metrics.reloads.labels(r.family, r.outcome).inc()
        for family in FAMILIES:
            model = snapshot.get(family)
            version = _as_number(model.version) if model else 0.0
            self.metrics.model_version.labels(family).set(version)
            self.metrics.model_loaded_at.labels(family).set(model.loaded_at if model else 0.0)

    async def reload(self, *, force: bool = False, announce: bool = True) -> list[FamilyReload]:
        """Reload the champions here (off the event loop) and ask the other workers to do the same.

        Purchases, returns and erasures that arrive while a reload runs are replayed into the new
        models right after the swap, on the event loop, so none of them is lost. Some of them may also
        be in the store the new recommender was prepared from; replaying them again changes nothing,
        since the recommender keeps the last purchase or return of each item.
        """
        if not self._reloading:
            # While a thread loads models, the event loop thread waits for the GIL after every
            # socket call; a short switch interval bounds that wait (0.5 ms instead of 5 ms).
            self._switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(RELOAD_SWITCH_INTERVAL)
        self._reloading += 1
        try:
            report = await asyncio.to_thread(self.holder.reload, force=force)
        finally:
            self._reloading -= 1
            if not self._reloading:
                sys.setswitchinterval(self._switch_interval)
        fresh = {r.family for r in report if r.outcome == "loaded"}
        snapshot = self.holder.snapshot
        for family in fresh & set(CUSTOMER_FAMILIES):
            runtime = snapshot.models[family].runtime
            for customer_id in self._erased_live:
                _forget(runtime, customer_id)
            if family == "recommender":
                for kind, customer_id, item_id, at in self._pending:
                    _record(runtime, kind, customer_id, item_id, at)
        if not self._reloading:
            self._pending.clear()
        await self._apply_store_erasures()
        if announce and self.journal is not None:
            self.journal.publish("reload", force=force)
        return report

    async def _apply_store_erasures(self) -> None:
        """Forget, in the serving models, customers erased in the store by another service (a second
        host on the same database) since this one started."""
        if self.store is None:
            return
        try:
            erased = await asyncio.to_thread(self.store.erased_customers)
        except Exception as exc:  # noqa: BLE001 - the store being down must not stop a reload
            log.warning("cannot read erased customers from the store: %s", exc)
            return
        for customer_id in erased - self._erased_live:
            self.forget_customer(customer_id, announce=False)

    # ---- live changes --------------------------------------------------------------------
    def record(self, kind: str, customer_id: str, item_id: str, *, at: float | None = None,
               announce: bool = True) -> bool:
        """Reflect a purchase or a return (`kind`, one of LIVE_CHANGES, at time `at`, epoch seconds) in
        the serving recommender at once, and in the other workers.

        Returns whether the serving recommender took it in: False when none is serving, it does not
        know the item, a later purchase or return of the item is recorded, or (a return) no purchase
        of the item was recorded since training. The event is in the store all the same.
        """
        if announce:
            self.catch_up()  # the other workers' changes first: a return here may cancel a purchase there
        model = self.holder.snapshot.get("recommender")
        if self._reloading:
            self._pending.append((kind, customer_id, item_id, at))
        applied = model is not None and _record(model.runtime, kind, customer_id, item_id, at)
        if announce and self.journal is not None:
            self.journal.publish(kind, customer_id=customer_id, item_id=item_id, at=at)
        return applied

    def forget_customer(self, customer_id: str, *, announce: bool = True) -> list[str]:
        """Drop a customer from every serving model; returns the families that held something about
        them, in FAMILIES order.

        For an erasure asked here (`announce`) the answer is the same whichever worker answers: the
        changes the other workers published are applied first, so a repeated erasure answers [] (or
        the families that took in a purchase posted since the previous erasure).
        """
        stale = announce and self._erasure_waiting(customer_id)
        self._erased_live.add(customer_id)
        models = self.holder.snapshot.models
        forgotten = [family for family in CUSTOMER_FAMILIES
                     if family in models and _forget(models[family].runtime, customer_id)]
        if announce and self.journal is not None:
            self.journal.publish("forget", customer_id=customer_id)
        return [] if stale else forgotten

    def _erasure_waiting(self, customer_id: str) -> bool:
        """Apply the other workers' changes now; True when one of them erased the customer but the
        change must wait for a reload to finish (the models here still hold what it forgets)."""
        self.catch_up()
        if self.journal is not None and (self._reloading or self._deferred):
            self._deferred += self._poll()  # still applied later, in order, by apply_journal
        return any(op.get("op") == "forget" and op.get("customer_id") == customer_id for op in self._deferred)

    async def follow_journal(self) -> None:
        """Apply the other workers' changes every `sync_interval_seconds`, until cancelled."""
        while True:
            await asyncio.sleep(self.settings.sync_interval_seconds)
            await self.apply_journal()

    def catch_up(self) -> None:
        """Before a request: apply the purchases and erasures other workers published since the last
        look, on the event loop, so an acknowledged change holds on the next request to any worker.

        A reload and every change after it are left, in order, to `apply_journal`; while a reload
        runs, only erasures are applied at once (to the models serving now, and again after the swap):
        an acknowledged erasure must hold on every worker at once, a purchase can wait.
        """
        if self.journal is None or not self.journal.changed():
            return
        ops = self._poll()
        if self._reloading or self._deferred:
            self._deferred += ops
            self._forget_now(ops)
            return
        for n, op in enumerate(ops):
            if op.get("op") == "reload":
                self._deferred = ops[n:]
                self._forget_now(self._deferred)
                return
            self._apply_live(op)

    def _forget_now(self, ops: list[dict[str, Any]]) -> None:
        """Apply the erasures among `ops` to the models serving now (they stay in order for later)."""
        for op in ops:
            if op.get("op") == "forget":
                self._apply_live(op)

    async def apply_journal(self) -> None:
        """Apply the changes the other workers published since the last call (reloads included)."""
        if self.journal is None:
            return
        ops, self._deferred = self._deferred + self._poll(), []
        for op in ops:
            if op.get("op") == "reload":
                try:
                    await self.reload(force=bool(op.get("force")), announce=False)
                except Exception as exc:  # noqa: BLE001 - one bad line must not stop the follower
                    log.warning("could not apply journal change %s: %s", op, exc)
            else:
                self._apply_live(op)

    def _poll(self) -> list[dict[str, Any]]:
        assert self.journal is not None
        try:
            return self.journal.poll()
        except OSError as exc:
            log.warning("cannot read the worker journal: %s", exc)
            return []

    def _apply_live(self, op: dict[str, Any]) -> None:
        """Apply one purchase, return or erasure published by another worker."""
        kind = op.get("op")
        try:
            if kind in LIVE_CHANGES:
                at = op.get("at")
                self.record(str(kind), str(op["customer_id"]), str(op["item_id"]),
                            at=float(at) if at is not None else None, announce=False)
            elif kind == "forget":
                self.forget_customer(str(op["customer_id"]), announce=False)
        except Exception as exc:  # noqa: BLE001 - one bad line must not stop the follower
            log.warning("could not apply journal change %s: %s", op, exc)


def _prepare_recommender(runtime: Any, items: Any, customers: Any) -> None:
    """Give a recommender runtime the current stock flags, categories and opt-outs."""
    if len(items) and "in_stock" in items:
        known = items[items["in_stock"].notna()]
        runtime.set_in_stock({str(i): bool(s) for i, s in zip(known["item_id"], known["in_stock"])})
    if len(items) and "category" in items:
        named = items[items["category"].notna()]
        runtime.set_categories({str(i): str(c) for i, c in zip(named["item_id"], named["category"])})
    if len(customers) and "personalization_opt_out" in customers:
        opted = customers[customers["personalization_opt_out"].fillna(False).astype(bool)]
        runtime.set_opt_outs({str(c) for c in opted["customer_id"]})


def _replay_stored_changes(runtime: Any, store: Any) -> None:
    """Replay into a freshly loaded recommender, in time order, the purchases and returns it has not
    seen (one query): those timestamped from its training data end on, and those stored after the
    last event its training read (back-dated ones), so a reload or a restart keeps what the API took in."""
    data_end = getattr(runtime, "data_end", None)
    if not data_end:
        log.warning("the recommender model has no data_end: purchases stored since its training wait "
                    "for the next training")
        return
    stored_through = getattr(runtime, "stored_through", None)
    events = store.read_unseen(start=data_end, stored_after=stored_through, event_types=LIVE_CHANGES)
    applied = 0
    times = (events["timestamp"].astype("int64") / 1e9).tolist() if len(events) else []
    for customer_id, item_id, kind, at in zip(events["customer_id"], events["item_id"], events["event_type"], times):
        if isinstance(customer_id, str):
            applied += _record(runtime, str(kind), customer_id, str(item_id), at)
    log.info("replayed %d of %d purchases and returns not seen by training (data end %s, stored after "
             "event %s) into the recommender", applied, len(events), data_end, stored_through)


def _record(runtime: Any, kind: str, customer_id: str, item_id: str, at: float | None = None) -> bool:
    """Record one purchase or return (at time `at`) in a recommender runtime; whether it took it in."""
    if kind == "purchase":
        return runtime.record_purchase(customer_id, item_id, at) is not False
    return bool(runtime.record_return(customer_id, item_id, at))


def _forget(runtime: Any, customer_id: str) -> bool:
    """Tell a runtime to forget a customer; whether it held anything about them."""
    try:
        return bool(runtime.forget_customer(customer_id))
    except KeyError:
        return False


def _as_number(version: str) -> float:
    try:
        value = float(version)
    except ValueError:
        return 0.0
    return value if math.isfinite(value) else 0.0
