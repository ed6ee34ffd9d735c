"""podium.web."""
