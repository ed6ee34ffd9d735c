"""Accounts: users, roles, password hashing, API tokens and the server-side session store."""
