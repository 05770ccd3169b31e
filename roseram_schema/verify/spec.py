"""The declarations `verify` works from: personas, tenancy and per-table contracts.

Raw data comes from project.yaml (`personas:`) and policies/<schema>/<table>.yaml
(`contract:`); see docs/verify.md. Everything is validated up front and every problem is
reported at once (SourceError), naming the file or table and the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Origin, Problem, SourceError
from ..model import tables_by_key
from ..source.problems import did_you_mean

COMMANDS = ("select", "insert", "update", "delete")
BASE_ATOMS = ("anyone", "signed_in", "public", "own", "tenant", "none")
OVERRIDE_KEYS = ("owner", "tenant", "public", "seed", "fixed", "author", "hide")


@dataclass(frozen=True)
class Persona:
    """Someone the checker impersonates: a database role plus JWT claims."""

    name: str
    role: str
    user: bool = False
    tenant: str | None = None
    tenant_role: str | None = None
    claims: tuple[tuple[str, object], ...] = ()
    bypass: bool = False
    # every (tenant, rank) the persona holds; `tenant`/`tenant_role` are the highest of them
    memberships: tuple[tuple[str, str | None], ...] = ()

    def rank_in(self, tenant: str | None) -> str | None:
        """The persona's rank in a tenant, or None when it is not a member."""
        if tenant is None:
            return None
        for label, rank in self.memberships or (((self.tenant, self.tenant_role),) if self.tenant else ()):
            if label == tenant:
                return rank
        return None

    def tenant_labels(self) -> tuple[str, ...]:
        """Every tenant the persona is a member of."""
        if self.memberships:
            return tuple(label for label, _ in self.memberships)
        return (self.tenant,) if self.tenant else ()


@dataclass(frozen=True)
class Tenancy:
    """How rows relate to users and tenants (all optional except the users table)."""

    users: str = "auth.users"
    tenants: str | None = None
    tenants_owner: str | None = None
    members: str | None = None
    members_tenant: str | None = None
    members_user: str | None = None
    members_role: str | None = None
    ranks: tuple[str, ...] = ()
    public: tuple[str, ...] = ("is_public",)
    exposed: tuple[str, ...] = ("public",)


Clause = frozenset  # of atoms, all of which must hold ("own & member+")


@dataclass(frozen=True)
class Contract:
    """Allowed row categories per command, plus per-table model overrides."""

    table: str
    commands: tuple[tuple[str, tuple[Clause, ...]], ...] = ()
    owner: str | None = None  # column name, "none", or None (derive)
    tenant: str | None = None
    public: str | None = None  # column name, "false", or None (derive)
    seed: tuple[tuple[str, object], ...] = ()
    declared: bool = True
    fixed: tuple[str, ...] = ()  # columns no persona's UPDATE may change
    author: tuple[str, ...] | None = None  # None: derived; user columns that must equal the caller on INSERT/UPDATE
    hide: tuple[str, ...] = ()  # columns no exposed persona may read, from the table or a view

    def clauses(self, command: str) -> tuple[Clause, ...]:
        """The clauses of one command (empty: nobody)."""
        return dict(self.commands).get(command, ())


@dataclass(frozen=True)
class Spec:
    """Everything verify needs besides the schema itself."""

    personas: tuple[Persona, ...]
    tenancy: Tenancy
    contracts: dict = field(default_factory=dict)  # table key -> Contract
    buckets: dict = field(default_factory=dict)  # storage bucket id -> Contract (personas.storage)

    def contract(self, key: str) -> Contract | None:
        """The contract of a table key, or None."""
        return self.contracts.get(key)

    def persona(self, name: str) -> Persona:
        """The persona of that name."""
        return next(p for p in self.personas if p.name == name)

    def tenants(self) -> tuple[str, ...]:
        """Tenant labels, in first-mention order of the personas."""
        return tuple(dict.fromkeys(t for p in self.personas for t in p.tenant_labels()))

    def users(self) -> tuple[Persona, ...]:
        """Personas that are users (have an id and a row in the users table)."""
        return tuple(p for p in self.personas if p.user)

    def tenant_owner(self, tenant: str) -> Persona | None:
        """The persona with the highest rank in a tenant (it owns the tenant row)."""
        members = [p for p in self.personas if tenant in p.tenant_labels()]
        if not members:
            return None
        return min(members, key=lambda p: rank_index(self.tenancy, p.rank_in(tenant)))


def rank_index(tenancy: Tenancy, rank: str | None) -> int:
    """0 for the highest rank; unknown ranks sort last."""
    try:
        return tenancy.ranks.index(rank)
    except ValueError:
        return len(tenancy.ranks)


DEFAULT_PERSONAS = {
    "anon": {"role": "anon"},
    "user1": {"role": "authenticated"},
    "user2": {"role": "authenticated"},
    "service": {"role": "service_role"},
}


def default_personas(tenancy: Tenancy) -> dict:
    """The personas verify uses when none are declared. With tenants, members and ranks
    declared: user1 owns tenant A, user2 tenant B, and `multi` is a member of A (the lowest
    rank) and holds the second rank in B, so contracts are judged per tenant."""
    if not (tenancy.tenants and tenancy.members and len(tenancy.ranks) >= 2):
        return dict(DEFAULT_PERSONAS)
    top, second, low = tenancy.ranks[0], tenancy.ranks[1], tenancy.ranks[-1]
    return {
        "anon": {"role": "anon"},
        "user1": {"role": "authenticated", "tenant": "A", "tenant_role": top},
        "user2": {"role": "authenticated", "tenant": "B", "tenant_role": top},
        "multi": {"role": "authenticated", "tenants": {"A": low, "B": second}},
        "service": {"role": "service_role"},
    }


def parse_spec(personas_raw, contracts_raw: dict, origin_of=None) -> Spec:
    """Validate and build the Spec; raise SourceError listing every problem.

    `personas_raw` is the `personas:` mapping of project.yaml (None: default personas),
    `contracts_raw` maps "schema.table" to the raw `contract:` data, `origin_of(key)` gives
    the Origin of a table's policies file for messages (optional).
    """
    problems: list[Problem] = []
    origin_of = origin_of or (lambda key: None)
    raw = dict(personas_raw or {})
    tenancy = _parse_tenancy(raw.pop("tenancy", None), problems)
    buckets = _parse_storage(raw.pop("storage", None), tenancy, problems)
    if not raw:
        raw = default_personas(tenancy)
    personas = tuple(
        _parse_persona(name, value, tenancy, problems) for name, value in raw.items()
    )
    contracts = {}
    for key in sorted(contracts_raw or {}):
        contracts[key] = _parse_contract(key, contracts_raw[key], tenancy, origin_of(key), problems)
    if problems:
        raise SourceError(problems)
    return Spec(personas=personas, tenancy=tenancy, contracts=contracts, buckets=buckets)


def _parse_storage(raw, tenancy, problems) -> dict:
    """`personas.storage: {buckets: {<bucket id>: <contract>}}`: who may read and write the
    objects of each bucket (docs/verify.md "Storage"); a bucket contract has the commands of
    a table contract, no overrides."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or set(raw) - {"buckets"} or not isinstance(raw.get("buckets") or {}, dict):
        problems.append(Problem(_where(""), "personas.storage", "must be {buckets: {<bucket id>: <contract>}}",
                                "e.g. {buckets: {avatars: {select: anyone, insert: own, update: own, delete: own}}}"))
        return {}
    out = {}
    for bucket, contract in sorted((raw.get("buckets") or {}).items()):
        key = f"personas.storage.buckets.{bucket}"
        if isinstance(contract, dict) and set(contract) & set(OVERRIDE_KEYS):
            problems.append(Problem(_where(""), key, "a bucket contract takes only commands",
                                    f"expected {', '.join(COMMANDS)} or all"))
        out[str(bucket)] = _parse_contract(f"storage bucket {bucket}", contract, tenancy, _where(""), problems)
    return out



def load_spec(project) -> Spec:
    """The Spec of a loaded project (its personas and contracts); with no project (None),
    the default personas and no contract."""

    by_key = tables_by_key(project.catalog) if project else {}

    def origin_of(key: str):
        table = by_key.get(key)
        if table is not None and table.policies_origin:
            return table.policies_origin
        schema, name = key.split(".", 1)
        return Origin(f"policies/{schema}/{name}.yaml")

    return parse_spec(project.personas if project else None,
                      project.contracts if project else {}, origin_of)

def _where(obj: str) -> Origin:
    return Origin("project.yaml")


def _parse_tenancy(raw, problems) -> Tenancy:
    if raw is None:
        return Tenancy()
    if not isinstance(raw, dict):
        problems.append(Problem(_where(""), "personas.tenancy", "must be a mapping"))
        return Tenancy()
    known = {"users", "tenants", "members", "ranks", "public", "exposed"}
    for key in sorted(set(raw) - known):
        problems.append(
            Problem(_where(""), f"personas.tenancy.{key}", "unknown key",
                    f"expected one of {', '.join(sorted(known))}")
        )
    tenants = raw.get("tenants") or {}
    members = raw.get("members") or {}
    if isinstance(tenants, str):
        tenants = {"table": tenants}
    if tenants and "table" not in tenants:
        problems.append(Problem(_where(""), "personas.tenancy.tenants", "needs `table:`"))
    for key in ("table", "tenant", "user"):
        if members and key not in members:
            problems.append(Problem(_where(""), "personas.tenancy.members", f"needs `{key}:`"))
    public = raw.get("public", ["is_public"])
    return Tenancy(
        users=_qualified(raw.get("users", "auth.users")),
        tenants=_qualified(tenants["table"]) if tenants.get("table") else None,
        tenants_owner=tenants.get("owner"),
        members=_qualified(members["table"]) if members.get("table") else None,
        members_tenant=members.get("tenant"),
        members_user=members.get("user"),
        members_role=members.get("role"),
        ranks=tuple(raw.get("ranks") or ()),
        public=tuple([public] if isinstance(public, str) else public or ()),
        exposed=tuple(raw.get("exposed") or ("public",)),
    )


def _qualified(name: str) -> str:
    return name if "." in name else f"public.{name}"


def _parse_persona(name, value, tenancy: Tenancy, problems) -> Persona:
    obj = f"personas.{name}"
    if not isinstance(value, dict) or "role" not in value:
        problems.append(Problem(_where(obj), obj, "needs at least `role:`",
                                "e.g. {role: authenticated}"))
        return Persona(name=str(name), role="authenticated")
    known = {"role", "user", "tenant", "tenant_role", "tenants", "claims", "bypass"}
    for key in sorted(set(value) - known):
        problems.append(Problem(_where(obj), f"{obj}.{key}", "unknown key",
                                f"expected one of {', '.join(sorted(known))}"))
    role = str(value["role"])
    tenant = value.get("tenant")
    tenant_role = value.get("tenant_role")
    memberships = []
    if tenant is not None:
        memberships.append((str(tenant), tenant_role))
    several = value.get("tenants")
    if several is not None and not isinstance(several, dict):
        problems.append(Problem(_where(obj), f"{obj}.tenants", "must map tenant labels to ranks",
                                "e.g. {A: member, B: editor}"))
        several = {}
    for label, rank in (several or {}).items():
        if str(label) in dict(memberships):
            problems.append(Problem(_where(obj), f"{obj}.tenants", f"tenant {label} is listed twice"))
            continue
        memberships.append((str(label), rank))
    if memberships and tenancy.tenants is None:
        problems.append(Problem(_where(obj), obj, "has a tenant but personas.tenancy declares no tenants"))
    for label, rank in memberships:
        if tenancy.ranks and rank not in tenancy.ranks:
            what = "tenant_role" if label == tenant else f"rank in tenant {label}"
            problems.append(Problem(_where(obj), obj, f"{what} {rank!r} is not one of the ranks",
                                    f"ranks: {', '.join(tenancy.ranks)}"))
    if memberships:
        # the single-tenant fields (read by lint) carry the strongest membership
        tenant, tenant_role = min(memberships, key=lambda m: rank_index(tenancy, m[1]))
    claims = value.get("claims") or {}
    return Persona(
        name=str(name),
        role=role,
        user=bool(value.get("user", role == "authenticated")),
        tenant=str(tenant) if tenant is not None else None,
        tenant_role=tenant_role,
        claims=tuple(sorted(claims.items())),
        bypass=bool(value.get("bypass", role == "service_role")),
        memberships=tuple(memberships),
    )


def valid_atoms(tenancy: Tenancy) -> set[str]:
    """Every atom a contract may use with this tenancy."""
    atoms = set(BASE_ATOMS)
    atoms.update(tenancy.ranks)
    atoms.update(f"{r}+" for r in tenancy.ranks)
    return atoms


def parse_clause(text: str) -> Clause:
    """"own & member+" -> frozenset({"own", "member+"})."""
    return frozenset(part.strip() for part in str(text).split("&") if part.strip())


def _parse_contract(key, raw, tenancy, origin, problems) -> Contract:
    obj = f"{key} contract"
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        problems.append(Problem(origin, obj, "must be a mapping of commands to row categories",
                                "e.g. {select: [own, public], insert: own}"))
        return Contract(table=key)
    atoms = valid_atoms(tenancy)
    commands: dict[str, tuple] = {}
    base = raw.get("all")
    for command in COMMANDS:
        value = raw.get(command, base)
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        clauses = []
        for item in items:
            clause = parse_clause(item)
            for atom in sorted(clause - atoms):
                problems.append(Problem(origin, f"{obj}.{command}", f"unknown row category {atom!r}",
                                        did_you_mean(atom, atoms) or "see docs/verify.md"))
            if clause and clause != {"none"}:
                clauses.append(clause)
        commands[command] = tuple(clauses)
    known = set(COMMANDS) | {"all"} | set(OVERRIDE_KEYS)
    for extra in sorted(set(raw) - known):
        problems.append(Problem(origin, f"{obj}.{extra}", "unknown key",
                                f"expected commands ({', '.join(COMMANDS)}, all) or {', '.join(OVERRIDE_KEYS)}"))
    seed = raw.get("seed") or {}
    public = raw.get("public")
    columns = {}
    for extra in ("fixed", "author", "hide"):
        value = raw.get(extra)
        items = [] if value is None else value if isinstance(value, list) else [value]
        if not all(isinstance(i, str) and i.strip() for i in items):
            problems.append(Problem(origin, f"{obj}.{extra}", "must be a column name or a list of them",
                                    f"e.g. {extra}: [{'owner_id' if extra == 'fixed' else 'created_by'}]"))
            items = [i for i in items if isinstance(i, str) and i.strip()]
        columns[extra] = tuple(i.strip() for i in items)
    if raw.get("author") is None:
        columns["author"] = None  # derived: the columns that record who wrote the row
    return Contract(
        table=key,
        commands=tuple(sorted(commands.items())),
        owner=raw.get("owner"),
        tenant=raw.get("tenant"),
        public=("false" if public is False else public),
        seed=tuple(sorted(seed.items())),
        **columns,
    )
