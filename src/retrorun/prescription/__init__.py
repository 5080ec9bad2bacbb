"""retrorun.prescription."""
