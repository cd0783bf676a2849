"""AiATrack in pure PyTorch."""
