"""Versioned migrations written from the declarative source (README "Versioned migrations").

    folder.py    where the folder is, its files in order, replaying them in a scratch database
    manifest.py  roseram.sum, the checksum manifest that detects an edited or reordered file
    applied.py   the table of applied files in the history schema (roseram_schema)
    render.py    a plan as migration files (plain SQL for psql and `supabase db push`)
    commands.py  migrate diff / check / apply / status / hash
"""
