"""retrorun.biomech."""
