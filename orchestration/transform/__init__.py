"""dbt wiring: the project, its translator and the dbt assets."""
