"""Designing inspection audits: sample sizes per stratum, the stratified random draw, and the
auditors' review sheets written into the landing layout (`cdi audit design`)."""
