"""The shipped JSON Schemas of the YAML files agree with the loader: every file of every test
project (and of the Roseram project) validates, wrong files fail both, and the keys are the
same sets."""

from __future__ import annotations

from pathlib import Path

import pytest

import jsonschema  # noqa: E402  (the test extra installs it)

from roseram_schema import model  # noqa: E402
from roseram_schema.errors import SourceError  # noqa: E402
from roseram_schema.schemas import KINDS, build, dumps, load, path_of  # noqa: E402
from roseram_schema import schemas as shipped  # noqa: E402
from roseram_schema.source import grants, load_project, policies, projectfile, tables, views  # noqa: E402
from roseram_schema.source.loader import PROJECT_FILES, source_files  # noqa: E402
from roseram_schema.source.problems import Problems  # noqa: E402
from roseram_schema.source.yamlnodes import parse_yaml  # noqa: E402
from roseram_schema.verify import spec  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def write_project(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


def validator(kind: str, draft=None):
    """A validator of the shipped schema. The schemas use only keywords draft-07 also has,
    with the same meaning, so editors that implement draft-07 alone (the YAML language
    server) read them alike: `draft=jsonschema.Draft7Validator` checks that."""
    schema = load(kind)
    cls = draft or jsonschema.Draft202012Validator
    cls.check_schema(schema)
    return cls(schema)


def both_validators(kind: str):
    return validator(kind), validator(kind, jsonschema.Draft7Validator)


def kind_of(rel: str) -> str | None:
    """The schema kind of a project file (its path relative to the project root)."""
    if rel in PROJECT_FILES:
        return "project"
    area = rel.split("/", 1)[0]
    if area == "views" and rel.endswith(".sql"):
        return "view-header"
    if rel.endswith((".yaml", ".yml")):
        return {"schema": "table", "policies": "policies"}.get(area)
    return None


def view_header(text: str) -> str | None:
    """The YAML of a view file's header as the loader reads it; None for a file holding a
    CREATE VIEW statement (its leading comments are then plain comments)."""
    lines = text.split("\n")
    end = 0
    while end < len(lines) and (views._HEADER_LINE.match(lines[end].lstrip())
                                or not lines[end].strip() or lines[end].lstrip().startswith("--")):
        end += 1
    body = "\n".join(lines[end:]).lstrip()
    if body[:6].upper() == "CREATE":
        return None
    out = []
    for line in lines[:end]:
        stripped = line.lstrip()
        out.append("  " + stripped[2:] if views._HEADER_LINE.match(stripped) else "")
    return "\n".join(out) + "\n"


def data_of(rel: str, text: str, kind: str):
    """The file's YAML as plain data, read by the loader's own YAML reader (so dates stay
    text, as the loader keeps them)."""
    if kind == "view-header":
        text = view_header(text)
        if text is None:
            return None
    problems = Problems()
    node = parse_yaml(text, rel, problems)
    assert not problems, problems
    return node.plain()


def project_roots() -> list[Path]:
    """The Roseram project and every test project, except the deliberately broken ones
    (tests/cases/source_errors)."""
    cases = REPO / "tests" / "cases"
    roots = [REPO]
    roots += sorted(p for p in (cases / "compile").iterdir() if p.is_dir())
    roots += sorted(p / "after" for p in (cases / "plan").iterdir() if (p / "after").is_dir())
    roots += sorted(p for p in (cases / "verify_source").iterdir() if p.is_dir())
    roots += sorted(p for p in (REPO / "tests" / "source" / "fixtures").iterdir() if p.is_dir())
    return roots


# A loader fixture whose `personas:`/`contract:` are passthrough data in a shape verify
# refuses (persona key `sub`, a contract keyed by persona): the schema follows verify there.
NOT_FOR_VERIFY = {REPO / "tests" / "source" / "fixtures" / "full"}


def project_files():
    for root in project_roots():
        for rel in source_files(root):
            kind = kind_of(rel)
            if kind is not None:
                yield root, rel, kind


def test_the_schemas_use_no_keyword_newer_than_draft_07():
    """Keywords whose meaning changed or that came after draft-07 would be ignored (or read
    differently) by editors: none is used."""
    newer = {"$defs", "prefixItems", "unevaluatedProperties", "unevaluatedItems",
             "dependentRequired", "dependentSchemas", "$dynamicRef", "$anchor", "minContains"}

    def walk(node):
        if isinstance(node, dict):
            yield from (k for k in node if k in newer)
            for key, value in node.items():
                if key not in ("properties", "examples", "enum", "const"):
                    yield from walk(value)
                elif key == "properties":
                    for sub in value.values():
                        yield from walk(sub)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    for kind in KINDS:
        schema = load(kind)
        assert not list(walk(schema)), kind
        assert all(not isinstance(v, list) for v in _all_items(schema)), kind


def _all_items(node):
    """Every `items` value (an array of schemas meant tuple validation before 2020-12)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "items":
                yield value
            if key not in ("examples", "enum", "const"):
                yield from _all_items(value)
    elif isinstance(node, list):
        for value in node:
            yield from _all_items(value)


def test_shipped_files_are_what_the_builder_writes():
    """`python -m roseram_schema.schemas` was run after the last change to the builder."""
    for kind in KINDS:
        assert path_of(kind).read_text(encoding="utf-8") == dumps(build(kind)), (
            f"{path_of(kind).name} is stale: run `python -m roseram_schema.schemas`")


def test_every_yaml_file_of_every_project_validates():
    validators = {kind: validator(kind) for kind in KINDS}
    draft7 = {kind: validator(kind, jsonschema.Draft7Validator) for kind in KINDS}
    checked = {kind: 0 for kind in KINDS}
    failures = []
    for root, rel, kind in project_files():
        data = data_of(rel, (root / rel).read_text(encoding="utf-8"), kind)
        if data is None:
            continue
        checked[kind] += 1
        if root in NOT_FOR_VERIFY and kind in ("project", "policies"):
            data = {k: v for k, v in data.items() if k not in ("personas", "contract")}
        for error in [*validators[kind].iter_errors(data), *draft7[kind].iter_errors(data)]:
            failures.append(f"{root.relative_to(REPO)}/{rel}: {'/'.join(map(str, error.path))}: "
                            f"{error.message[:200]}")
    assert not failures, "\n".join(failures)
    # the walk really found the projects (34 Roseram tables, the test cases)
    assert checked["table"] >= 60 and checked["policies"] >= 40, checked
    assert checked["project"] >= 5 and checked["view-header"] >= 5, checked


def test_the_fixture_verify_refuses_fails_the_schema_too():
    for root in NOT_FOR_VERIFY:
        project = load_project(root)
        with pytest.raises(SourceError):
            spec.parse_spec(project.personas, project.contracts)
        data = data_of("project.yaml", (root / "project.yaml").read_text(encoding="utf-8"), "project")
        assert list(validator("project").iter_errors(data))
        for key in project.contracts:
            rel = "policies/" + key.replace(".", "/") + ".yaml"
            data = data_of(rel, (root / rel).read_text(encoding="utf-8"), "policies")
            assert list(validator("policies").iter_errors(data)), rel


def test_the_loader_loads_every_project_validated_here():
    """The projects validated above are ones the loader accepts (so the schema is checked
    against accepted input, not just any YAML)."""
    for root in project_roots():
        if root == REPO or "verify" in root.parts or "plan" in root.parts:
            continue  # loaded by their own tests (some need a server's functions)
        load_project(root)


# ----- wrong files: the schema and the loader both refuse them --------------------------

TABLE = "columns: {id: uuid}\n"

WRONG = [
    # (relative path, text, a word the loader's message holds)
    ("schema/public/t.yaml", TABLE + "colums: {a: text}\n", "unknown key 'colums'"),
    ("schema/public/t.yaml", "comment: no columns\n", "a table needs `columns:`"),
    ("schema/public/t.yaml", "columns: {id: {nullable: false}}\n", "a column needs a type"),
    ("schema/public/t.yaml", "columns: {id: {type: uuid, nulable: false}}\n", "unknown key"),
    ("schema/public/t.yaml", "columns: {id: {type: int, identity: sometimes}}\n", "identity must be"),
    ("schema/public/t.yaml", TABLE + "foreign_keys: [{columns: [id], references: 'x y'}]\n",
     "references must be"),
    ("schema/public/t.yaml", TABLE + "foreign_keys: [{columns: [id], references: t(id), "
     "on_delete: explode}]\n", "on_delete must be"),
    ("schema/public/t.yaml", TABLE + "indexes: [{name: i}]\n", "an index needs columns"),
    ("schema/public/t.yaml", TABLE + "grants: {anon: [selct]}\n", "unknown privilege"),
    ("schema/public/t.yaml", TABLE + "grants: [anon]\n", "grants must be a mapping"),
    ("schema/public/t.yaml", TABLE + "partitions: [{name: p}]\n", "a partition needs"),
    # empty entries, which the loader once skipped silently or compiled to invalid SQL
    ("schema/public/t.yaml", "columns: {id: {type: ~}}\n", "a column needs a type"),
    ("schema/public/t.yaml", TABLE + "indexes: [~]\n", "an index needs columns"),
    ("schema/public/t.yaml", TABLE + "indexes: [[]]\n", "an index needs columns"),
    ("schema/public/t.yaml", TABLE + "indexes: [{columns: []}]\n", "an index needs columns"),
    ("schema/public/t.yaml", TABLE + "primary_key: [~]\n", "must not be empty"),
    ("schema/public/t.yaml", TABLE + "grants: {anon: [~]}\n", "must not be empty"),
    ("schema/public/t.yaml", TABLE + "checks: [~]\n", "a check needs an expression"),
    ("schema/public/t.yaml", TABLE + "checks: [{expression: ~}]\n", "a check needs an expression"),
    ("schema/public/t.yaml", TABLE + "unique: [~]\n", "a unique constraint needs columns"),
    ("schema/public/t.yaml", TABLE + "unique: [[]]\n", "a unique constraint needs columns"),
    ("schema/public/t.yaml", TABLE + "indexes: [{columns: [id, ~]}]\n", "an index key must not be empty"),
    ("schema/public/t.yaml", TABLE + "partition_by: LIST (id)\npartitions: [{name: p, bound: ~}]\n",
     "a partition needs a name and a bound"),
    ("project.yaml", "schemas: [public, ~]\n", "a schema needs a name"),
    ("project.yaml", "roles: [~]\n", "a role needs a name"),
    ("policies/public/t.yaml", "rls: on\n", "rls must be one of"),
    ("policies/public/t.yaml", "rls: enabled\npolicy: []\n", "unknown key 'policy'"),
    ("policies/public/t.yaml", "policies: [{command: select, using: 'true'}]\n",
     "a policy needs a name"),
    ("policies/public/t.yaml", "policies: [{name: p, command: insert, using: 'true'}]\n",
     "cannot have `using`"),
    ("policies/public/t.yaml", "policies: [{name: p, command: Select, with_check: 'true'}]\n",
     "cannot have `with_check`"),
    ("policies/public/t.yaml", "policies: [{name: p, as: lenient, using: 'true'}]\n", "as must be"),
    ("project.yaml", "schemas: [public]\ntables: []\n", "unknown key 'tables'"),
    ("project.yaml", "roles: [{login: true}]\n", "a role needs a name"),
    ("project.yaml", "enums: {public.mood: []}\n", "an enum needs a list of values"),
    ("project.yaml", "enums: {public.mood: [a, a]}\n", "listed twice"),
    ("project.yaml", "schemas: [{name: app, grants: {anon: [select]}}]\n", "unknown privilege"),
    ("views/public/v.sql", "-- materialized: false\n-- indexes: [[id]]\nSELECT 1 AS id\n",
     "only a materialized view can have indexes"),
    ("views/public/v.sql", "-- check_option: always\nSELECT 1 AS id\n", "check_option must be"),
    ("views/public/v.sql", "-- security_invoker: true\n-- owner: me\nSELECT 1 AS id\n",
     "unknown key 'owner'"),
]


@pytest.mark.parametrize("rel,text,message", WRONG, ids=[f"{i}-{w[2][:24]}" for i, w in enumerate(WRONG)])
def test_a_wrong_file_fails_the_schema_and_the_loader(tmp_path, rel, text, message):
    files = {rel: text}
    if rel.startswith("policies/"):
        files["schema/public/t.yaml"] = TABLE
    write_project(tmp_path, files)
    kind = kind_of(rel)
    data = data_of(rel, text, kind)
    for v in both_validators(kind):
        assert list(v.iter_errors(data)), f"the {kind} schema accepts {text!r}"
    with pytest.raises(SourceError) as excinfo:
        load_project(tmp_path)
    assert message in str(excinfo.value)


RIGHT = [
    # shorthands and spellings the loader accepts: the schema must accept them too
    ("schema/public/t.yaml", "columns: {id: uuid, n: {type: int, identity: By  Default}, m: {type: int, default: 0}}\n"
     "primary_key: id\nunique: [[n], n, {columns: n, nulls_not_distinct: yes}]\n"
     "checks: [n > 0, {name: c, expression: n < 10}]\n"
     "foreign_keys: [{columns: n, references: public.t, on_delete: SET NULL, match: FULL}]\n"
     "indexes: [n, [n, lower(id::text)], {columns: n, method: hash}]\n"
     "grants: {anon: Select, authenticated: 'select, insert', service_role: all, x: [All Privileges],"
     " y: ['select, update']}\n"),
    ("schema/public/t.yaml", "columns: {id: uuid}\nprimary_key: {name: t_pk, columns: [id]}\n"),
    ("policies/public/t.yaml", "rls: FORCED\npolicies:\n  - {name: p, roles: anon, command: Insert,"
     " with_check: 'true', as: RESTRICTIVE}\n"
     "contract: {all: [own, public], insert: own & member+, delete: none, owner: none,"
     " public: false, seed: {n: 1}}\n"),
    ("project.yaml", "schemas: [public, {name: app, grants: {anon: usage}}]\n"
     "extensions: [pgcrypto, {name: citext, optional: true}]\nroles: [anon, {name: x, login: true}]\n"
     "enums: {mood: [a, b], public.plan: {values: [free], comment: Plans}}\n"),
    ("views/public/v.sql", "-- materialized: true\n-- check_option: none\n-- columns: id\n"
     "-- indexes: [[id]]\n-- grants: {anon: select}\nSELECT 1 AS id\n"),
]


@pytest.mark.parametrize("rel,text", RIGHT, ids=[str(i) for i in range(len(RIGHT))])
def test_shorthands_the_loader_accepts_validate(tmp_path, rel, text):
    files = {rel: text}
    if rel.startswith("policies/"):
        files["schema/public/t.yaml"] = "columns: {id: uuid, n: int, member: int}\n"
    if rel == "project.yaml":
        files["schema/public/t.yaml"] = "columns: {id: uuid}\n"
    write_project(tmp_path, files)
    load_project(tmp_path)
    kind = kind_of(rel)
    for v in both_validators(kind):
        errors = [e.message for e in v.iter_errors(data_of(rel, text, kind))]
        assert not errors, errors


WRONG_VERIFY = [
    # personas/contract are read by verify (parse_spec), which refuses these
    ({"alice": {"role": "authenticated", "tenent": "A"}}, {}, "unknown key"),
    ({"alice": {"tenant": "A"}}, {}, "needs at least `role:`"),
    ({"tenancy": {"user": "auth.users"}}, {}, "unknown key"),
    ({"tenancy": {"members": {"table": "m", "tenant": "t"}}}, {}, "needs `user:`"),
    (None, {"public.t": {"select": "own", "selcet": "own"}}, "unknown key"),
    (None, {"public.t": ["own"]}, "must be a mapping"),
    (None, {"public.t": {"select": "owner | public"}}, "unknown row category"),
]


@pytest.mark.parametrize("personas,contracts,message", WRONG_VERIFY,
                         ids=[str(i) for i in range(len(WRONG_VERIFY))])
def test_wrong_personas_or_contract_fail_the_schema_and_verify(personas, contracts, message):
    if personas is not None:
        errors = list(validator("project").iter_errors({"personas": personas}))
    else:
        errors = list(validator("policies").iter_errors({"contract": contracts["public.t"]}))
    assert errors
    with pytest.raises(SourceError) as excinfo:
        spec.parse_spec(personas, contracts)
    assert message in str(excinfo.value)


# ----- the keys and vocabularies are the loader's -----------------------------------------

def _props(schema: dict) -> set[str]:
    return set(schema["properties"])


def _branch(schema: dict) -> dict:
    """The mapping branch of an anyOf (a value with a shorthand)."""
    if schema.get("type") == "object" or "properties" in schema:
        return schema
    return next(s for s in schema["anyOf"] if s.get("type") == "object")


def test_keys_are_the_loaders():
    table, pol, project, view = (load(k) for k in ("table", "policies", "project", "view-header"))
    tp = table["properties"]
    assert _props(table) == set(tables.TABLE_KEYS)
    assert _props(_branch(tp["columns"]["additionalProperties"])) == set(tables.COLUMN_KEYS)
    assert _props(_branch(tp["primary_key"])) == set(tables.PK_KEYS)
    assert _props(_branch(tp["unique"]["items"])) == set(tables.UNIQUE_KEYS)
    assert _props(_branch(tp["checks"]["items"])) == set(tables.CHECK_KEYS)
    assert _props(tp["foreign_keys"]["items"]) == set(tables.FK_KEYS)
    assert _props(_branch(tp["indexes"]["items"])) == set(tables.INDEX_KEYS)
    assert _props(tp["partitions"]["items"]) == set(tables.PARTITION_KEYS)

    pp = pol["properties"]
    assert _props(pol) == set(policies.POLICY_FILE_KEYS)
    assert _props(pp["policies"]["items"]) == set(policies.POLICY_KEYS)
    assert _props(pp["contract"]) == set(spec.COMMANDS) | {"all"} | set(spec.OVERRIDE_KEYS)

    jp = project["properties"]
    assert _props(project) == set(projectfile.PROJECT_KEYS)
    assert _props(_branch(jp["schemas"]["items"])) == set(projectfile.SCHEMA_KEYS)
    assert _props(_branch(jp["extensions"]["items"])) == set(projectfile.EXTENSION_KEYS)
    assert _props(_branch(jp["roles"]["items"])) == set(projectfile.ROLE_KEYS)
    assert _props(_branch(jp["enums"]["additionalProperties"])) == set(projectfile.ENUM_KEYS)

    assert _props(view) == set(views.HEADER_KEYS)
    assert _props(_branch(view["properties"]["indexes"]["items"])) == set(tables.INDEX_KEYS)


def test_persona_and_tenancy_keys_are_the_ones_verify_accepts():
    """spec.py keeps these keys inside its functions: each key of the schema must parse,
    and a key outside it must not."""
    project = load("project")["properties"]["personas"]
    persona_keys = _props(project["additionalProperties"])
    tenancy_keys = _props(project["properties"]["tenancy"])
    sample = {"role": "authenticated", "user": True, "tenant": "A", "tenant_role": "owner",
              "tenants": {"B": "owner"}, "claims": {}, "bypass": False}
    tenancy = {"users": "auth.users", "tenants": {"table": "public.o", "owner": "owner_id"},
               "members": {"table": "public.m", "tenant": "o", "user": "u", "role": "r"},
               "ranks": ["owner"], "public": ["is_public"], "exposed": ["public"]}
    assert set(sample) == persona_keys and set(tenancy) == tenancy_keys
    spec.parse_spec({"tenancy": tenancy, "alice": sample}, {})
    with pytest.raises(SourceError):
        spec.parse_spec({"tenancy": tenancy, "alice": {**sample, "extra": 1}}, {})
    with pytest.raises(SourceError):
        spec.parse_spec({"tenancy": {**tenancy, "extra": 1}, "alice": sample}, {})


def test_vocabularies_are_the_models():
    assert shipped.FK_ACTIONS == model.FK_ACTIONS
    assert shipped.POLICY_COMMANDS == model.POLICY_COMMANDS
    assert shipped.TABLE_PRIVILEGES == model.TABLE_PRIVILEGES == grants.PRIVILEGES_BY_KIND["table"]
    assert shipped.SCHEMA_PRIVILEGES == grants.SCHEMA_PRIVILEGES
    assert shipped.CONTRACT_COMMANDS == spec.COMMANDS
    assert shipped.CONTRACT_ATOMS == spec.BASE_ATOMS


def test_every_key_has_a_description():
    """Editors show the description as help: no property may lack one."""
    missing = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in (node.get("properties") or {}).items():
                if not value.get("description"):
                    missing.append(f"{where}/{key}")
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    for kind in KINDS:
        walk(load(kind), kind)
    # the if/then helpers of the policy and view rules carry no help of their own
    missing = [m for m in missing if "/if/" not in m and "/then/" not in m]
    assert not missing, missing


def _yaml_blocks(text: str, after: str) -> str:
    """The first ```yaml block after the line `after`."""
    rest = text[text.index(after):]
    start = rest.index("```yaml\n") + len("```yaml\n")
    return rest[start:rest.index("```", start)]


def test_the_documented_examples_validate():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    verify_doc = (REPO / "docs" / "verify.md").read_text(encoding="utf-8")
    examples = [
        ("table", _yaml_blocks(readme, "### Tables: schema/<schema>/<table>.yaml")),
        ("policies", _yaml_blocks(readme, "### Policies: policies/<schema>/<table>.yaml")),
        ("project", _yaml_blocks(readme, "### project.yaml").replace("personas: ...", "")),
        ("table", _yaml_blocks(readme, "## Editor support")),
        ("project", _yaml_blocks(verify_doc, "## Personas and tenancy")),
        ("policies", _yaml_blocks(verify_doc, "Overrides, in the same `contract:` mapping")),
    ]
    for kind, text in examples:
        data = data_of("example.yaml", text, kind)
        for v in both_validators(kind):
            errors = [e.message for e in v.iter_errors(data)]
            assert not errors, (kind, text, errors)


def test_generated_benchmark_projects_validate(tmp_path):
    """bench/generate.py writes the YAML of many realistic tables: all of it validates."""
    from bench_generator import write_generated_project

    write_generated_project(tmp_path, tables=60, seed=3)
    seen = 0
    for rel in source_files(tmp_path):
        kind = kind_of(rel)
        data = data_of(rel, (tmp_path / rel).read_text(encoding="utf-8"), kind) if kind else None
        if data is None:
            continue
        seen += 1
        errors = [e.message for e in validator(kind).iter_errors(data)]
        assert not errors, (rel, errors)
    assert seen >= 100
