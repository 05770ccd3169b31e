"""Applying a plan: serialized, checked, all-or-nothing, recorded in the history."""
