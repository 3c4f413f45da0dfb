"""Great Expectations suites (expectations/<stage>/<table>.json) as Dagster asset checks."""
