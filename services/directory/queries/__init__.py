"""The directory's reads: the SQL over the roster, one module per area; routes call these."""
