"""peir.indicators (in progress)."""
