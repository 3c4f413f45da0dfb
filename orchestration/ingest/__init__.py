"""Landing files -> `raw.*` tables, with `ops.load_log` and `ops.quarantine`."""
