"""podium.ticketing."""
