"""Launching, following and deploying fine-tunes: planning, the exactly-once ledger, watching."""
