"""peir.allocation (in progress)."""
