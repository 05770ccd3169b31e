"""The isolation checker (docs/verify.md): personas x tables x commands against contracts.

Entry points: `checker.check_database(conn, spec)` on a scratch database holding the schema,
`spec.parse_spec(personas, contracts)`, and the command `cli.commands.verify.run_verify`.
"""
