"""Suite-wide fixtures. Podium's own pytest plugin (``podium.core.testing``) is loaded
through its ``pytest11`` entry point and provides the database, app and client fixtures."""
