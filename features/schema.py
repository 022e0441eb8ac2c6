"""The data contract: the columns and types of the events, items, customers and promotions tables."""

from __future__ import annotations

from dataclasses import dataclass

EVENT_TYPES: tuple[str, ...] = ("view", "cart", "purchase", "return")
# The category of items the items table does not categorise (forecasts: `category:unknown`).
UNKNOWN_CATEGORY = "unknown"
# Series ids of the levels above items: `category:NAME` and the shop total.
TOTAL_ID = "_total"
CATEGORY_PREFIX = "category:"

# Longest text the store keeps per column (the tables are created with these widths), and the
# largest quantity of one event line.
TEXT_LIMITS: dict[str, int] = {"customer_id": 128, "item_id": 128, "order_id": 128, "name": 512,
                               "category": 256, "region": 256}
MAX_QUANTITY = 1_000_000_000
MAX_STOCK_ON_HAND = 1_000_000_000_000  # units; beyond this a value is a unit or format bug
MAX_LEAD_TIME_DAYS = 3650  # ten years
EARLIEST_EVENT_YEAR = 1970  # an event before 1970-01-01 UTC is a format or clock bug (epoch 0 and before)


@dataclass(frozen=True)
class TableSpec:
    """Columns of one input table: which are required and which are optional."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


EVENTS = TableSpec(
    name="events",
    required=("customer_id", "item_id", "timestamp"),
    optional=("event_type", "quantity", "price", "order_id"),
)
ITEMS = TableSpec(
    name="items",
    required=("item_id",),
    optional=("name", "category", "price", "in_stock", "stock_on_hand", "lead_time_days"),
)
CUSTOMERS = TableSpec(
    name="customers",
    required=("customer_id",),
    optional=("region", "signup_date", "personalization_opt_out"),
)
PROMOTIONS = TableSpec(
    name="promotions",
    required=("start_date", "end_date", "discount"),
    optional=("item_id", "category"),
)

TABLES: dict[str, TableSpec] = {t.name: t for t in (EVENTS, ITEMS, CUSTOMERS, PROMOTIONS)}

# Canonical in-memory events frame (what loaders return and the store reads back):
#   customer_id  object (str, or None for rows without a customer: demand only)
#   item_id      object (str)
#   timestamp    datetime64[ns, UTC]
#   event_type   object, one of EVENT_TYPES
#   quantity     int64 > 0
#   price        float64 (NaN when unknown)
#   order_id     object (str or None)
EVENT_COLUMNS: tuple[str, ...] = EVENTS.columns
