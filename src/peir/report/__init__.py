"""peir.report (in progress)."""
