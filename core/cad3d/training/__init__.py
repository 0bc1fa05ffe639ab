"""Training: the loop, checkpoints, EMA, datasets (torch is imported here)."""
