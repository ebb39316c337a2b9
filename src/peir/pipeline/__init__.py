"""The one-way pipeline: ingest -> validate -> harmonize, plus the Parquet store."""
