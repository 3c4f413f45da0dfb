"""Crime Data Integrity Warehouse: the Dagster code location and the `cdi` command."""
