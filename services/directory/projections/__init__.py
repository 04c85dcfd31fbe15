"""The directory's read model."""
