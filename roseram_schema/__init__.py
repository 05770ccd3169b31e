"""roseram-schema: declarative PostgreSQL schema management with an RLS isolation checker."""

__version__ = "0.1.0"
