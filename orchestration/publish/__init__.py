"""Publishing the last good night for readers: an atomic snapshot file and Parquet."""
