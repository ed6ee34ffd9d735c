"""The esport plugin's bracket formats, one module per format.

Each module exposes ``FORMAT``, an instance implementing
:class:`podium.tournaments.engine.BracketFormat`.
"""
