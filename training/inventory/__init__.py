"""Replenishment: safety stock, reorder points, order quantities, ABC/XYZ classes, turnover."""
