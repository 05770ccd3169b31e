"""Model -> ordered, idempotent SQL (see script.py; statements come from ddl/)."""
