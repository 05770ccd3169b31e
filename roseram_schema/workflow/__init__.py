"""Orchestration: what the CLI and the Python API share (where a command works, one comparison of source and target)."""
