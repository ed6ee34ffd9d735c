"""The shipped progression tables: one YAML file per table, named after its id.

Package data (``setup.py`` ships ``*.yaml``); read with ``importlib.resources``.
"""
