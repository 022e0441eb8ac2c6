"""`shopml demo`: make the built-in synthetic shop, ingest it, train every model, then serve."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from features.settings import Settings
from features.store import EventStore
from training.cli.apps import TRAINERS, app, run_all_trainers
from training.cli.ingest import load_inputs, print_report, store_with_progress
from training.cli.store import open_store

CURL_EXAMPLES = [
    "curl -s 'http://{host}:{port}/v1/recommendations/{customer}?k=5' | python -m json.tool",
    "curl -s 'http://{host}:{port}/v1/recommendations/{customer}?k=5&exclude_purchased=true'",
    ("curl -s -X POST 'http://{host}:{port}/v1/recommendations' -H 'Content-Type: application/json' "
     "-d '{{\"recent_items\": [\"{item}\"], \"k\": 5}}'"),
    "curl -s 'http://{host}:{port}/v1/items/{item}/similar?k=5'",
    "curl -s 'http://{host}:{port}/v1/forecasts/{item}?horizon=8&freq=W'",
    "curl -s 'http://{host}:{port}/v1/forecasts/_total?horizon=28&freq=D'",
    "curl -s 'http://{host}:{port}/v1/inventory/{item}/replenishment?service_level=0.95'",
    "curl -s 'http://{host}:{port}/v1/customers/{customer}/churn'",
    "curl -s 'http://{host}:{port}/v1/customers/{customer}/profile'",
    "curl -s 'http://{host}:{port}/v1/customers/at-risk?limit=10'",
    ("curl -s -X POST 'http://{host}:{port}/v1/events' -H 'Content-Type: application/json' "
     "-d '{{\"events\": [{{\"customer_id\": \"{customer}\", \"item_id\": \"{item}\", "
     "\"timestamp\": \"{now}\", \"event_type\": \"purchase\", \"quantity\": 1, \"price\": 2.5}}]}}'"),
    "curl -s 'http://{host}:{port}/v1/models'",
    "curl -s 'http://{host}:{port}/metrics' | head",
]

NEW_ITEM_EXAMPLES = [
    ("curl -s 'http://{host}:{port}/v1/recommendations/{customer}?k=5&new_arrivals=2'   "
     "# the last two places go to never-sold products"),
    ("curl -s 'http://{host}:{port}/v1/items/{new_item}/similar?k=3'   "
     "# a never-sold product: matched by name and category"),
    ("curl -s 'http://{host}:{port}/v1/forecasts/{new_item}?horizon=4&freq=W'   "
     "# never sold: forecast from its category's launches"),
]


def write_shop(folder: Path, customers: int, items: int, days: int, seed: int) -> dict[str, Path]:
    """Generate the synthetic shop and write its contract tables as CSV files."""
    from features.synthetic import generate_shop

    shop = generate_shop(n_customers=customers, n_items=items, days=days, seed=seed)
    return shop.write(folder, "csv")


def example_ids(store: EventStore) -> tuple[str, str, str]:
    """A customer, an item and the last timestamp to use in the example requests."""
    events = store.read_events(event_types=["purchase"])
    customer = str(events["customer_id"].dropna().value_counts().index[0])
    item = str(events["item_id"].value_counts().index[0])
    return customer, item, events["timestamp"].max().strftime("%Y-%m-%dT%H:%M:%SZ")


def unsold_item(store: EventStore) -> str | None:
    """An item of the catalogue that has never sold (its forecast comes from launch curves), if any."""
    sold = set(store.read_events(event_types=["purchase"])["item_id"].astype(str))
    unsold = sorted(set(store.read_items()["item_id"].astype(str)) - sold)
    return unsold[0] if unsold else None


@app.command("demo")
def demo_command(
    customers: int = typer.Option(2000, min=50, help="customers in the synthetic shop"),
    items: int = typer.Option(400, min=20, help="products in the synthetic shop"),
    days: int = typer.Option(540, min=240, help="days of history (the forecasts need about eight months)"),
    seed: int = typer.Option(7, help="random seed (the same seed makes the same shop)"),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="start the API when done"),
    port: int = typer.Option(None, help="port (default SHOPML_PORT or 8000)"),
) -> None:
    """Make the synthetic shop, ingest it, train all models, print example requests and serve."""
    console = Console(soft_wrap=True)
    settings = Settings()
    store = open_store(settings)
    folder = settings.home / "demo-shop"
    console.rule("1/3 synthetic shop and ingest")
    files = write_shop(folder, customers, items, days, seed)
    result, side = load_inputs(files["events"], "canonical", files["items"], files["customers"], files["promotions"])
    stats = store_with_progress(store, result, side, console)
    print_report(result, stats, side, settings.store_url, console)
    console.rule("2/3 train (tracked in MLflow: " + settings.tracking_uri + ")")
    run_all_trainers(settings)
    missing = [f for f in ("recommender", "churn", "forecast") if f not in TRAINERS]
    if missing:
        console.print(f"not built yet: {', '.join(missing)}")
    customer, item, now = example_ids(store)
    new_item = unsold_item(store)
    store.close()
    host, port = settings.host, port or settings.port
    console.rule("3/3 try it")
    for line in CURL_EXAMPLES:
        console.print(line.format(host=host, port=port, customer=customer, item=item, now=now),
                      markup=False, highlight=False, soft_wrap=True)
    if new_item is not None:
        for line in NEW_ITEM_EXAMPLES:
            console.print(line.format(host=host, port=port, customer=customer, new_item=new_item),
                          markup=False, highlight=False, soft_wrap=True)
    if serve:
        from training.cli.serve import serve_command

        console.print(f"serving on http://{host}:{port} (Ctrl-C to stop)")
        serve_command(host=host, port=port, workers=1)
