"""The safety service's reads: the SQL over its projections, one module per area; routes call these."""
