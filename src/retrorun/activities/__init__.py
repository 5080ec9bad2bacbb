"""retrorun.activities."""
