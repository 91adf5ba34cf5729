"""Deployment capacity: tokens-per-minute quota per region, model and deployment type (SKU)."""
