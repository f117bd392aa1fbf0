"""One report per model for benchmarks/models.py."""
