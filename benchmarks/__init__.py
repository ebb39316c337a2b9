"""peir benchmark suite: ``make bench`` (or ``python -m benchmarks.run [names...]``)."""
