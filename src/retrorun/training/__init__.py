"""retrorun.training."""
