"""retrorun.store."""
