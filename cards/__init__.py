"""Adaptive card builders: pure functions, data in, card JSON out (schema 1.5, what Teams renders)."""
