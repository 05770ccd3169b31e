"""Static checks of row-level security and indexing, on the source or on a live database."""
