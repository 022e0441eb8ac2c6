"""Prometheus metrics of the service: requests, latency, models serving, fallbacks, reloads.

Each app owns its registry, so tests can build many apps in one process. With several uvicorn
workers every worker counts its own requests; set `PROMETHEUS_MULTIPROC_DIR` (an empty folder,
before the server starts) and `/metrics` aggregates all workers through prometheus_client's
multiprocess mode. Without it, `/metrics` shows the worker that answered the scrape.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


def multiprocess_dir() -> str | None:
    """The prometheus_client multiprocess folder, when the operator configured one."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir")


class ServiceMetrics:
    """The metric families of one app."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("shopml_http_requests", "HTTP requests answered, by route template and status",
                                ["method", "route", "status"], registry=r)
        self.latency = Histogram("shopml_http_request_duration_seconds", "Time to answer, by route template",
                                 ["method", "route"], buckets=LATENCY_BUCKETS, registry=r)
        self.model_version = Gauge("shopml_model_version", "Registry version serving per model family (0: none)",
                                   ["family"], registry=r, multiprocess_mode="liveall")
        self.model_loaded_at = Gauge("shopml_model_loaded_timestamp_seconds", "When the serving model was loaded",
                                     ["family"], registry=r, multiprocess_mode="liveall")
        self.recommendations = Counter("shopml_recommendation_answers", "Recommendation answers, by endpoint",
                                       ["endpoint"], registry=r)
        self.fallbacks = Counter("shopml_recommendation_fallbacks",
                                 "Recommendation answers that used the cold-start fallback", ["endpoint"], registry=r)
        self.reloads = Counter("shopml_model_reloads", "Model reload attempts by family and outcome",
                               ["family", "outcome"], registry=r)
        self.events_stored = Counter("shopml_events_stored", "Events written to the store by the API", registry=r)
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._answer_children: dict[str, tuple[Any, Any]] = {}

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:  # label sets are few (route templates), so the cache stays small
            children = (self.requests.labels(method, route, str(status)), self.latency.labels(method, route))
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def observe_answer(self, endpoint: str, fallback: bool) -> None:
        """Count one recommendation answer and whether it fell back to cold start."""
        children = self._answer_children.get(endpoint)
        if children is None:
            children = (self.recommendations.labels(endpoint), self.fallbacks.labels(endpoint))
            self._answer_children[endpoint] = children
        children[0].inc()
        if fallback:
            children[1].inc()

    def exposition(self) -> tuple[bytes, str]:
        """The text exposition of every worker (multiprocess mode) or of this one."""
        folder = multiprocess_dir()
        if folder:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=folder)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
