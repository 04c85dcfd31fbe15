"""What every area of the gateway builds on: connections and rows (``pages``), and the
campus that every area's rows link to (``campuses``). Nothing here imports an area."""
