"""Serving the recommender: numpy/dict lookups on the precomputed lists of a model folder.

Public API (stable; the serving layer codes against it):
  RecommenderRuntime.load(path) -> RecommenderRuntime
  .recommend(customer_id, k, *, exclude_purchased=False, category=None, new_arrivals=0) -> RecAnswer
  .recommend_recent(recent_items, k, *, category=None, new_arrivals=0) -> RecAnswer
  .similar(item_id, k, *, new_arrivals=0) -> list[(item_id, score, reason)]    KeyError for an unknown item
  .record_purchase(customer_id, item_id, at=None) -> bool   reflected at once; False for an unknown item, an
                                             erased customer or a later change of the item already recorded
  .record_return(customer_id, item_id, at=None) -> bool     cancels that item's recorded purchase; False if none
  .data_end -> str | None                    the end of the training data (purchases from then on are new)
  .stored_through -> int | None              the last store event id the training read (later ones are new)
  .forget_customer(customer_id) -> bool      the customer becomes unknown (cold start); True if held
  .set_in_stock({item_id: bool}), .set_opt_outs({customer_id, ...}), .set_categories({item_id: category})
  .customer_ids(), .item_ids(), .smoke_check()

Business rules hold on every path: out-of-stock items are never returned, `category` filters,
`exclude_purchased` drops every item the customer bought (recorded purchases included), opted-out
customers get non-personalised items only, and K items come back whenever K eligible items exist.
`RecAnswer.fallback` is True when no item of the answer comes from a personal source (PERSONAL_REASONS):
the customer is unknown to the model (cold start), opted out of personalisation, or only popular,
regional, trending or new items are left (after `category` or stock filters, say); every item carries
the reason (the path) that produced it. Recorded purchases are the ones posted after training; a
recorded return of the same item cancels it (it no longer counts as bought), whatever the quantities.
Recording is idempotent and order-free: the latest purchase or return of an item in time (`at`, epoch
seconds; at equal times the return) wins (training.recommender.recorded), so replaying the same changes again, or in another
order, leaves the same answers. An erased customer's trained history never comes back: purchases
recorded after the erasure start a new history.

Never-sold catalogue items (the items table's products nobody has bought yet) follow the sold
items in the item index. They are offered only in the last `new_arrivals` places of an answer
(the customer's, visitor's or product's likeness to them by name and category, else their
expected popularity), are the last fill when nothing else is left, and have similar items of their own.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from features.schema import UNKNOWN_CATEGORY
from training.recommender.recorded import RecordedPurchases

log = logging.getLogger(__name__)

REASON_REPEAT, REASON_REGION, REASON_POPULAR, REASON_TRENDING = 0, 4, 5, 6
REASON_RECENT_PURCHASE, REASON_RECENT_ITEMS, REASON_OPT_OUT = 9, 10, 11
REASON_NEW_LIKE_BOUGHT, REASON_NEW_IN_CATALOGUE, REASON_NEW_LIKE_ITEM = 14, 15, 17
# Reasons (codes of artifacts.REASONS) that come from the customer's or visitor's own history:
# bought before, ALS, item-kNN, co-purchase, bought recently, similar to recent items, product names,
# a never-sold item like the customer's items.
PERSONAL_REASONS = frozenset({REASON_REPEAT, 1, 2, 3, REASON_RECENT_PURCHASE, REASON_RECENT_ITEMS, 12,
                              REASON_NEW_LIKE_BOUGHT})
Pick = tuple[int, float, int]
# Reasons the runtime gives at request time that models trained before them do not list in their meta.
LATER_REASONS = {REASON_NEW_LIKE_ITEM: "new, like this product"}


@dataclass
class RecAnswer:
    """Recommended (item_id, score, reason) triples, best first, and whether the cold-start path answered."""

    items: list[tuple[str, float, str]]
    fallback: bool


def _find_meta(path: Path) -> Path:
    if (path / "meta.json").exists():
        return path
    found = sorted(path.rglob("meta.json"))
    if not found:
        raise FileNotFoundError(f"no recommender model (meta.json) under {path}")
    return found[0].parent


class RecommenderRuntime:
    """A loaded recommender model answering requests with precomputed per-customer lists."""

    def __init__(self, meta: dict[str, object], arrays: dict[str, np.ndarray]) -> None:
        self.meta = meta
        reasons = meta["reasons"]
        self.reasons: list[str] = [str(r) for r in reasons] if isinstance(reasons, list) else []
        self.reasons += [LATER_REASONS[c] for c in sorted(LATER_REASONS) if c >= len(self.reasons)]
        self._personal = {self.reasons[c] for c in PERSONAL_REASONS if c < len(self.reasons)}
        self._n_sold = len(arrays["items"])
        new = [str(x) for x in arrays.get("catalogue_items", np.zeros(0, dtype="<U1"))]
        self._items = [str(x) for x in arrays["items"]] + new
        self._item_index = {item: j for j, item in enumerate(self._items)}
        self._customers = [str(x) for x in arrays["customers"]]
        self._customer_index = {c: j for j, c in enumerate(self._customers)}
        self._lists = {
            False: (arrays["all_items"], arrays["all_scores"], arrays["all_reasons"]),
            True: (arrays["new_items"], arrays["new_scores"], arrays["new_reasons"]),
        }
        self._bought_indptr = arrays["bought_indptr"]
        self._bought_indices = arrays["bought_indices"]
        self._similar = _similar_with_catalogue(arrays)
        categories = [*arrays["item_category"].tolist(), *arrays.get("catalogue_category", np.zeros(len(new))).tolist()]
        self._category = np.array([str(x) or UNKNOWN_CATEGORY for x in categories], dtype=object)
        self._in_stock = np.concatenate([arrays["in_stock"].astype(bool),
                                         arrays.get("catalogue_in_stock", np.ones(len(new))).astype(bool)])
        arrival_items = arrays.get("arrival_items", np.zeros((len(self._customers), 0), dtype=np.int32))
        self._arrivals = (arrival_items,
                          arrays.get("arrival_scores", np.zeros(arrival_items.shape, dtype=np.float32)),
                          arrays.get("arrival_reasons", np.full(arrival_items.shape, REASON_NEW_LIKE_BOUGHT, dtype=np.int8)))
        prior = arrays.get("arrival_prior", np.zeros(len(new), dtype=np.float32))
        self._arrival_prior = [(self._n_sold + j, v, r) for j, v, r in self._ranked(prior, REASON_NEW_IN_CATALOGUE)]
        self._arrival_taste = (arrays.get("arrival_taste_indptr", np.zeros(self._n_sold + 1, dtype=np.int64)),
                               arrays.get("arrival_taste_indices", np.zeros(0, dtype=np.int32)),
                               arrays.get("arrival_taste_scores", np.zeros(0, dtype=np.float32)))
        popular, trending = arrays["popular"], arrays["trending"]
        self._popular = self._ranked(popular, REASON_POPULAR)
        self._trending = self._ranked(trending, REASON_TRENDING)
        self._region_index = {str(r): j for j, r in enumerate(arrays["region_names"])}
        self._region_popular = arrays["region_popular"]
        self._region_lists: dict[int, list[tuple[int, float, int]]] = {}
        self._customer_region = {str(c): str(r) for c, r in zip(arrays["known_region_customers"],
                                                                 arrays["known_region_names"])}
        self._opt_out = {str(c) for c in arrays["opt_out"]}
        self._recorded = RecordedPurchases()
        self._forgotten: set[str] = set()

    @classmethod
    def load(cls, path: Path) -> RecommenderRuntime:
        """Load a model folder written by training (or a folder that contains one)."""
        folder = _find_meta(Path(path))
        meta = json.loads((folder / "meta.json").read_text())
        with np.load(folder / "arrays.npz", allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        return cls(meta, arrays)

    @property
    def data_end(self) -> str | None:
        """The end of the training data (ISO-8601): events from then on are not in the model."""
        end = self.meta.get("data_end")
        return str(end) if end else None

    @property
    def stored_through(self) -> int | None:
        """The highest event id of the store when training read it: events stored after it are not in
        the model, whatever their timestamp (None for a model trained from a file)."""
        value = self.meta.get("stored_through")
        return int(value) if isinstance(value, int | float) else None

    # ----- request-time state -------------------------------------------------------------------

    def record_purchase(self, customer_id: str, item_id: str, at: float | None = None) -> bool:
        """Remember a purchase posted after training (`at`: its time, epoch seconds); False for an
        item the model does not know, a customer who was erased (the store does not keep their events
        either) or an item with a later purchase or return already recorded."""
        j = self._item_index.get(str(item_id))
        if j is None or str(customer_id) in self._forgotten:
            return False
        return self._recorded.purchase(str(customer_id), j, at)

    def record_return(self, customer_id: str, item_id: str, at: float | None = None) -> bool:
        """Cancel a recorded purchase of the item; False when none was recorded before `at` (a return
        of an item bought before training leaves the trained history as it is)."""
        j = self._item_index.get(str(item_id))
        if j is None or str(customer_id) in self._forgotten:
            return False
        return self._recorded.cancel(str(customer_id), j, at)

    def forget_customer(self, customer_id: str) -> bool:
        """Drop everything personal about a customer; later requests get the cold-start answer, and
        purchases posted for them later are not taken in. An opt-out stays: it is a wish, not a history.

        Returns whether the model held anything about them."""
        cid = str(customer_id)
        held = cid not in self._forgotten and (cid in self._customer_index or self._recorded.holds(cid)
                                               or cid in self._customer_region)
        self._forgotten.add(cid)
        self._recorded.forget(cid)
        self._customer_region.pop(cid, None)
        return held

    def set_in_stock(self, in_stock: dict[str, bool]) -> None:
        """Update stock flags; out-of-stock items are never recommended (unknown items ignored)."""
        for item, flag in in_stock.items():
            j = self._item_index.get(str(item))
            if j is not None:
                self._in_stock[j] = bool(flag)

    def set_categories(self, categories: dict[str, str]) -> None:
        """Take the items table's current categories for the `category` filter (unknown items ignored)."""
        for item, category in categories.items():
            j = self._item_index.get(str(item))
            if j is not None:
                self._category[j] = str(category) or UNKNOWN_CATEGORY

    def set_opt_outs(self, customer_ids: set[str]) -> None:
        """Replace the set of customers who opted out of personalisation."""
        self._opt_out = {str(c) for c in customer_ids}

    def customer_ids(self) -> list[str]:
        """Customers with a personal history in the model (forgotten ones excluded)."""
        return [c for c in self._customers if c not in self._forgotten]

    def item_ids(self) -> list[str]:
        """Every item the model knows."""
        return list(self._items)

    # ----- answers ------------------------------------------------------------------------------

    def recommend(self, customer_id: str, k: int, *, exclude_purchased: bool = False,
                  category: str | None = None, new_arrivals: int = 0) -> RecAnswer:
        """Top-k items for a customer, with business rules applied (see the module docstring); at most
        `new_arrivals` of them are never-sold catalogue items, in the last places."""
        cid = str(customer_id)
        row = None if cid in self._forgotten else self._customer_index.get(cid)
        recorded = self._recorded.items(cid)
        banned: set[int] = set()
        if exclude_purchased:
            banned = set(recorded)
            if row is not None:
                banned |= set(self._bought_indices[self._bought_indptr[row]:self._bought_indptr[row + 1]].tolist())
        if cid in self._opt_out:
            return self._with_arrivals([], k, category, banned, [self._popular_opt_out()],
                                       self._arrival_prior, new_arrivals, bought=set(recorded))
        region = self._region_of(cid)
        if row is None:
            picks = self._from_items(recorded, banned) if recorded else []
            return self._with_arrivals(picks, k, category, banned, [region, self._trending, self._popular],
                                       self._new_from_items(recorded), new_arrivals, bought=set(recorded))
        items, scores, reasons = self._lists[exclude_purchased]
        picks = [(j, s, r) for j, s, r in zip(items[row].tolist(), scores[row].tolist(), reasons[row].tolist())
                 if j >= 0]
        if recorded and not exclude_purchased:
            top = picks[0][1] if picks else 1.0
            fresh = [(j, top, REASON_RECENT_PURCHASE) for j in reversed(recorded)]
            fresh_items = set(recorded)
            picks = fresh + [p for p in picks if p[0] not in fresh_items]
        arrival_items, arrival_scores, arrival_reasons = self._arrivals
        own = [(j, s, r) for j, s, r in zip(arrival_items[row].tolist(), arrival_scores[row].tolist(),
                                            arrival_reasons[row].tolist()) if j >= 0 and s > 0]
        return self._with_arrivals(picks, k, category, banned, [region, self._popular],
                                   self._new_from_items(recorded) + own, new_arrivals, bought=set(recorded))

    def recommend_recent(self, recent_items: list[str], k: int, *, category: str | None = None,
                         new_arrivals: int = 0) -> RecAnswer:
        """Item-based top-k for an anonymous visitor from the items they just looked at or bought
        (at most `new_arrivals` never-sold catalogue items, in the last places)."""
        known = [self._item_index[i] for i in map(str, recent_items) if i in self._item_index]
        picks = self._from_items(known, set(known)) if known else []
        return self._with_arrivals(picks, k, category, set(known), [self._trending, self._popular],
                                   self._new_from_items(known), new_arrivals)

    def similar(self, item_id: str, k: int, *, new_arrivals: int = 0) -> list[tuple[str, float, str]]:
        """Items bought together with, or similar in taste to, `item_id` (never itself); at most
        `new_arrivals` of them, in the last places, are never-sold items like it."""
        j = self._item_index.get(str(item_id))
        if j is None:
            raise KeyError(item_id)
        indptr, indices, scores, reasons = self._similar
        a, b = indptr[j], indptr[j + 1]
        order = np.argsort(-scores[a:b], kind="stable") + a
        picks = list(zip(indices[order].tolist(), scores[order].tolist(), reasons[order].tolist()))
        return self._with_arrivals(picks, k, None, {j}, [self._popular],
                                   self._new_from_items([j], REASON_NEW_LIKE_ITEM), new_arrivals).items

    def smoke_check(self) -> None:
        """Raise if the model cannot answer: empty catalogue, bad lists, or a short answer."""
        if not self._items or not self._customers:
            raise RuntimeError("recommender model has no items or no customers")
        items, scores, _ = self._lists[False]
        if items.shape[0] != len(self._customers) or items.max() >= len(self._items):
            raise RuntimeError("recommender lists do not match the customer or item index")
        if not np.isfinite(scores[items >= 0]).all():
            raise RuntimeError("recommender scores are not finite")
        k = min(10, int(self._in_stock.sum()))
        answer = self.recommend(self._customers[0], k)
        if len(answer.items) != k:
            raise RuntimeError(f"recommender answered {len(answer.items)} items instead of {k}")
        self.recommend("__smoke_check_unknown__", k)

    # ----- helpers ------------------------------------------------------------------------------

    def _answer(self, items: list[tuple[str, float, str]]) -> RecAnswer:
        """The answer, a fallback when none of its items comes from a personal source."""
        return RecAnswer(items, fallback=not any(reason in self._personal for _, _, reason in items))

    def _ranked(self, values: np.ndarray, reason: int) -> list[tuple[int, float, int]]:
        order = np.argsort(-values, kind="stable")
        return [(j, v, reason) for j, v in zip(order.tolist(), values[order].tolist())]

    def _popular_opt_out(self) -> list[tuple[int, float, int]]:
        return [(j, s, REASON_OPT_OUT) for j, s, _ in self._popular]

    def _region_of(self, customer_id: str) -> list[tuple[int, float, int]]:
        r = self._region_index.get(self._customer_region.get(customer_id, ""))
        if r is None:
            return []
        if r not in self._region_lists:
            self._region_lists[r] = [t for t in self._ranked(self._region_popular[r], REASON_REGION) if t[1] > 0]
        return self._region_lists[r]

    def _with_arrivals(self, picks: list[Pick], k: int, category: str | None, banned: set[int],
                       fallbacks: list[list[Pick]], arrivals: list[Pick], new_arrivals: int,
                       bought: set[int] | None = None) -> RecAnswer:
        """The answer: up to k - (new items taken) picks topped up from `fallbacks`, then up to
        `new_arrivals` never-sold items (`arrivals`, then by expected popularity; none the customer
        bought since training, `bought`); never-sold items are the last fill, so K items come back
        whenever K eligible items exist."""
        new = self._fill(arrivals, min(max(new_arrivals, 0), k), category, banned | (bought or set()),
                         [self._arrival_prior]) if new_arrivals > 0 else []
        taken = banned | {self._item_index[i] for i, _, _ in new}
        head = self._fill(picks, k - len(new), category, taken, [*fallbacks, self._arrival_prior])
        return self._answer(head + new)

    def _new_from_items(self, seeds: list[int], reason: int = REASON_NEW_LIKE_BOUGHT) -> list[Pick]:
        """Never-sold items like the sold items in `seeds`, best first (never-sold seeds add none:
        the model keeps no likeness between two never-sold items)."""
        sold = [s for s in seeds if s < self._n_sold]
        return _summed_rows(*self._arrival_taste, sold, set(seeds), reason, offset=self._n_sold)

    def _from_items(self, seeds: list[int], banned: set[int]) -> list[tuple[int, float, int]]:
        indptr, indices, scores, _ = self._similar
        return _summed_rows(indptr, indices, scores, seeds, banned, REASON_RECENT_ITEMS)

    def _eligible(self, j: int, category: str | None) -> bool:
        return bool(self._in_stock[j]) and (category is None or self._category[j] == category)

    def _fill(self, picks: list[tuple[int, float, int]], k: int, category: str | None, banned: set[int],
              fallbacks: list[list[tuple[int, float, int]]]) -> list[tuple[str, float, str]]:
        """The first k eligible picks, topped up from the fallback lists in order."""
        out: list[tuple[str, float, str]] = []
        seen = set(banned)
        for source in (picks, *fallbacks):
            for j, s, r in source:
                if len(out) >= k:
                    return out
                if j in seen or not self._eligible(j, category):
                    continue
                seen.add(j)
                out.append((self._items[j], float(s), self.reasons[r]))
        return out


def _summed_rows(indptr: np.ndarray, indices: np.ndarray, scores: np.ndarray, rows: list[int], banned: set[int],
                 reason: int, offset: int = 0) -> list[Pick]:
    """The columns (plus `offset`) of a CSR matrix's `rows`, by their summed scores, best first,
    without the `banned` ones."""
    total: dict[int, float] = {}
    for s in rows:
        for j, v in zip(indices[indptr[s]:indptr[s + 1]].tolist(), scores[indptr[s]:indptr[s + 1]].tolist()):
            if j + offset not in banned:
                total[j + offset] = total.get(j + offset, 0.0) + v
    return [(j, v, reason) for j, v in sorted(total.items(), key=lambda kv: -kv[1])]


def _similar_with_catalogue(arrays: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The similar-items CSR of the sold items with the never-sold items' rows appended."""
    sold = (arrays["similar_indptr"], arrays["similar_indices"], arrays["similar_scores"], arrays["similar_reasons"])
    if "catalogue_similar_indptr" not in arrays or len(arrays["catalogue_similar_indptr"]) < 2:
        return sold
    indptr = np.concatenate([sold[0], arrays["catalogue_similar_indptr"][1:] + sold[0][-1]])
    return (indptr, np.concatenate([sold[1], arrays["catalogue_similar_indices"]]),
            np.concatenate([sold[2], arrays["catalogue_similar_scores"]]),
            np.concatenate([sold[3], arrays["catalogue_similar_reasons"]]))
