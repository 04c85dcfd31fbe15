"""The directory's routes: its commands (the table, for admins) and its reads."""
