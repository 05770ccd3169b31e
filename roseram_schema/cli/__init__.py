"""The `roseram-schema` command line."""
