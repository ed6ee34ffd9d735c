"""podium.social."""
