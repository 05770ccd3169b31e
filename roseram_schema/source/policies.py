"""policies/<schema>/<table>.yaml: the RLS switch, the policies and the access contract."""

from __future__ import annotations

from functools import partial

from ..errors import Origin
from ..model import POLICY_COMMANDS, Policy
from .draft import Draft, evolve
from .problems import did_you_mean
from .reader import Reader
from .sqltext import parse_expression
from .yamlnodes import YNode

POLICY_FILE_KEYS = ("schema", "table", "rls", "policies", "contract")
POLICY_KEYS = ("name", "command", "roles", "as", "using", "with_check", "comment")


def read_policy_file(node: YNode, r: Reader, schema: str, name: str, draft: Draft) -> None:
    """Read one policies file; it is attached to its table once every table is known."""
    obj = f"{schema}.{name}"
    fields = r.mapping(node, obj, "a policies file", POLICY_FILE_KEYS)
    if fields is None:
        return
    schema = r.name(fields.get("schema"), obj, "schema") or schema
    name = r.name(fields.get("table"), obj, "table") or name
    key = f"{schema}.{name}"
    rls = r.choice(fields.get("rls"), key, "rls", ("enabled", "forced", "disabled"))
    policies = []
    for item in r.seq(fields.get("policies"), key, "policies"):
        policy = read_policy(item, r, key)
        if policy is not None:
            policies.append(policy)
    contract = fields["contract"].plain() if "contract" in fields else None

    # a partial of a module function, not a closure: it is kept in the parse cache
    draft.later.append(partial(_attach_policies, key, f"schema/{schema}/{name}.yaml", rls,
                               tuple(policies), contract, node.origin))


def _attach_policies(key: str, table_file: str, rls: str | None, policies: tuple[Policy, ...],
                     contract, origin: Origin, d: Draft) -> None:
    """Put a policies file's RLS switch, policies and contract on its table."""
    table = d.tables.get(key)
    if table is None:
        d.problems.add(
            origin,
            key,
            f"policies for table {key}, which is not declared",
            did_you_mean(key, d.tables) or f"declare it in {table_file}",
        )
        return
    if key in d.policy_files:
        d.problems.add(origin, key, f"a second policies file for {key}",
                       f"the first is {d.policy_files[key]}")
        return
    d.policy_files[key] = origin
    enabled = rls in ("enabled", "forced") if rls else bool(policies) or table.rls_enabled
    table = evolve(
        table,
        rls_enabled=enabled,
        rls_forced=rls == "forced" or (rls is None and table.rls_forced),
        policies=table.policies + policies,
        contract=contract,
        policies_origin=origin,
    )
    d.tables[key] = table
    if contract is not None:
        d.contracts[key] = contract


def read_policy(node: YNode, r: Reader, table_key: str) -> Policy | None:
    """One policy mapping; checks the command/using/with_check combinations."""
    fields = r.mapping(node, table_key, "a policy", POLICY_KEYS)
    if fields is None:
        return None
    name = r.name(fields.get("name"), table_key, "policy name")
    if name is None:
        r.problem(node.origin, table_key, "a policy needs a name")
        return None
    obj = f"{table_key}: policy {name!r}"
    command = r.choice(fields.get("command"), obj, "command", POLICY_COMMANDS) or "all"
    kind = r.choice(fields.get("as"), obj, "as", ("permissive", "restrictive")) or "permissive"
    roles = r.names(fields.get("roles"), obj, "roles") or ("public",)
    using = r.sql(fields.get("using"), obj, "using", parse_expression)
    with_check = r.sql(fields.get("with_check"), obj, "with_check", parse_expression)
    check_policy_clauses(
        command,
        fields["using"].origin if "using" in fields else None,
        fields["with_check"].origin if "with_check" in fields else None,
        r.problems, obj,
    )
    return Policy(
        name=name,
        command=command,
        permissive=kind == "permissive",
        roles=tuple(sorted(set(roles))),
        using=using,
        with_check=with_check,
        comment=r.text(fields.get("comment"), obj, "comment"),
        origin=node.origin,
    )


def check_policy_clauses(command: str, using_at: Origin | None, check_at: Origin | None,
                         problems, obj: str) -> None:
    """PostgreSQL's rules: INSERT takes only WITH CHECK, SELECT/DELETE only USING."""
    if command == "insert" and using_at is not None:
        problems.add(using_at, obj, "a policy for insert cannot have `using`",
                  "new rows are checked with `with_check`")
    if command in ("select", "delete") and check_at is not None:
        problems.add(check_at, obj, f"a policy for {command} cannot have `with_check`",
                  "existing rows are filtered with `using`")
