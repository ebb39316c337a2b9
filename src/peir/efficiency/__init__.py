"""peir.efficiency (in progress)."""
