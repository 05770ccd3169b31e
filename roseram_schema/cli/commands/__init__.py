"""One module per CLI command: `run_<command>(...) -> exit code`. cli/app.py wires them in."""
