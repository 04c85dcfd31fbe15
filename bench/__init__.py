"""Benchmarks: one module per figure, each run as ``python -m bench.<name> [--quick]``.

Every run uses a fresh database and its own Kafka topic namespace, both removed at
the end; every load targets 127.0.0.1 and stops by itself.
"""
