"""The shopml HTTP service: FastAPI app, routers per resource, models loaded by registry alias."""
