"""podium.tournaments."""
