"""One module per CLI command: `run_<command>(...) -> exit code`. cli.py wires them in."""
