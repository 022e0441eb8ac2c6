"""Candidate sources: each scores every item for a block of customers from the purchase history."""
