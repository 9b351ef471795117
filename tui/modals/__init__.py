"""Dialogs: every destructive action asks here first, with Cancel focused."""
