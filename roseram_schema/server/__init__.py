"""The embedded PostgreSQL server the tool starts itself."""
