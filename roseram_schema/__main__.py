"""`python -m roseram_schema`: the same as the `roseram-schema` console script."""

from .cli.entry import main

main()
