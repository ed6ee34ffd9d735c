"""podium.tests."""
