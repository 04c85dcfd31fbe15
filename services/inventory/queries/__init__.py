"""The inventory service's reads: the SQL over its projections (and the few looked up from the
store or the directory mirror by the commands), one module per area; routes call these."""
