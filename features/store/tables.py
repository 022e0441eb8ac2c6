"""SQLAlchemy tables of the event store. Timestamps are stored as integer microseconds since the epoch (UTC)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

from features.schema import TEXT_LIMITS

metadata = MetaData()

_Id = BigInteger().with_variant(Integer, "sqlite")

events = Table(
    "events",
    metadata,
    Column("id", _Id, primary_key=True, autoincrement=True),
    Column("event_key", BigInteger, nullable=False),
    Column("customer_id", String(TEXT_LIMITS["customer_id"]), nullable=True),
    Column("item_id", String(TEXT_LIMITS["item_id"]), nullable=False),
    Column("ts", BigInteger, nullable=False),
    Column("event_type", String(8), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("price", Float, nullable=True),
    Column("order_id", String(TEXT_LIMITS["order_id"]), nullable=True),
    Column("ingest_id", Integer, nullable=True),
    Index("ux_events_key", "event_key", unique=True),
    Index("ix_events_customer", "customer_id"),
    Index("ix_events_ts", "ts"),
)

ingests = Table(
    "ingests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(1024), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("added", Integer, nullable=False),
    Column("at", BigInteger, nullable=False),
)

items = Table(
    "items",
    metadata,
    Column("item_id", String(TEXT_LIMITS["item_id"]), primary_key=True),
    Column("name", String(TEXT_LIMITS["name"]), nullable=True),
    Column("category", String(TEXT_LIMITS["category"]), nullable=True),
    Column("price", Float, nullable=True),
    Column("in_stock", Boolean, nullable=True),
    Column("stock_on_hand", Float, nullable=True),
    Column("lead_time_days", Float, nullable=True),
)

customers = Table(
    "customers",
    metadata,
    Column("customer_id", String(TEXT_LIMITS["customer_id"]), primary_key=True),
    Column("region", String(TEXT_LIMITS["region"]), nullable=True),
    Column("signup_date", BigInteger, nullable=True),
    Column("personalization_opt_out", Boolean, nullable=True),
)

promotions = Table(
    "promotions",
    metadata,
    Column("promo_key", BigInteger, primary_key=True, autoincrement=False),
    Column("start_date", BigInteger, nullable=False),
    Column("end_date", BigInteger, nullable=False),
    Column("item_id", String(TEXT_LIMITS["item_id"]), nullable=True),
    Column("category", String(TEXT_LIMITS["category"]), nullable=True),
    Column("discount", Float, nullable=False),
)

erased_customers = Table(
    "erased_customers",
    metadata,
    Column("customer_id", String(TEXT_LIMITS["customer_id"]), primary_key=True),
    Column("erased_at", BigInteger, nullable=False),
)
