"""retrorun.export."""
