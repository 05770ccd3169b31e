"""`python -m roseram_schema.schemas`: rewrite the shipped JSON Schema files from build()."""

from . import write_all

write_all()
