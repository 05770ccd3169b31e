"""Fleets: plan, drift and apply one project across many databases (see targets.py for
the targets file, run.py for the commands)."""
