"""The targets file (`fleet.yaml`): which databases a fleet command runs on.

    defaults:                      # optional, for every target
      lock_timeout: 5s
      statement_timeout: 5min
      allow_hazards: [drop_column]
    groups:                        # optional: a group name selects its targets (--only)
      canaries: [tenant-001]
    targets:
      - name: tenant-001
        url: ${TENANT_001_URL}     # ${VAR} from the environment, never a secret in the file
        labels: [tenants, eu]
        lock_timeout: 2s           # per-target overrides of the defaults

A URL is only ever taken from the environment: `${VAR}` is expanded, and a URL that
carries a password as written is refused. A variable that is not set is an error of that
target alone (file:line), reported in its row, so one missing secret does not stop a run
over hundreds of databases. Unknown keys and malformed values are errors of the file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import Origin, RoseramError
from ..source.problems import Problems, did_you_mean
from ..source.yamlnodes import YNode, parse_yaml

_TOP_KEYS = ("defaults", "groups", "targets")
_OVERRIDES = ("lock_timeout", "statement_timeout", "allow_hazards")
_TARGET_KEYS = ("name", "url", "labels") + _OVERRIDES
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_VAR = re.compile(r"\$\{([^}]*)\}")
_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# a password written in the URL itself: user:password@ or password=
_PASSWORD = re.compile(r"://[^/@:]*:[^/@]+@|(^|\s|[?&])password=", re.IGNORECASE)

MAX_TARGETS_BYTES = 4 << 20


@dataclass(frozen=True)
class Target:
    """One database of the fleet. `url` is None when it could not be made (`error` says
    why, naming the file and line): such a target is an error row, not a failed run."""

    name: str
    url: str | None
    labels: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    lock_timeout: str | None = None
    statement_timeout: str | None = None
    allow_hazards: tuple[str, ...] = ()
    origin: Origin | None = None
    error: str | None = None

    def selected_by(self, only: str) -> bool:
        """True when `only` is this target's name, one of its labels or of its groups."""
        return only == self.name or only in self.labels or only in self.groups


@dataclass(frozen=True)
class Fleet:
    path: Path
    targets: tuple[Target, ...]

    def select(self, only: str | None) -> tuple[Target, ...]:
        """The targets `--only` names (all without it); an unknown selector is an error."""
        if not only:
            return self.targets
        chosen = tuple(t for t in self.targets if t.selected_by(only))
        if not chosen:
            known = sorted({s for t in self.targets for s in (t.name, *t.labels, *t.groups)})
            raise RoseramError(f"--only {only}: no target of {self.path} has this name, label or group"
                               f" (known: {', '.join(known) or 'none'})")
        return chosen


def load_targets(path: Path, environ=None) -> Fleet:
    """Read a targets file; raise SourceError listing every problem of the file."""
    path = Path(path)
    env = os.environ if environ is None else environ
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RoseramError(f"cannot read the targets file {path}: {exc.strerror or exc}") from None
    problems = Problems()
    where = str(path)
    if len(raw) > MAX_TARGETS_BYTES:
        problems.add(Origin(where, 1, 1), "", f"the targets file is larger than {MAX_TARGETS_BYTES >> 20} MiB")
        problems.raise_if_any()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        problems.add(Origin(where, 1, 1), "", "the targets file is not UTF-8")
        problems.raise_if_any()
    root = parse_yaml(text, where, problems)
    problems.raise_if_any()
    if root.kind != "map":
        problems.add(root.origin, "", "the targets file must be a map with a `targets:` list")
        problems.raise_if_any()
    _unknown_keys(root, _TOP_KEYS, "", problems)
    defaults = _overrides(root.value.get("defaults"), "defaults", problems)
    groups = _groups(root.value.get("groups"), problems)
    targets_node = root.value.get("targets")
    targets: list[Target] = []
    if targets_node is None:
        problems.add(root.origin, "", "no `targets:` list", "add `targets:` with one `- name: ..., url: ${VAR}` per database")
    elif targets_node.kind != "seq" or not targets_node.value:
        problems.add(targets_node.origin, "targets", "must be a list of one target or more")
    else:
        seen: dict[str, Origin] = {}
        for node in targets_node.value:
            target = _target(node, defaults, env, problems)
            if target is None:
                continue
            if target.name in seen:
                problems.add(node.origin, target.name, f"a second target of this name (the first is at {seen[target.name]})")
                continue
            seen[target.name] = target.origin
            targets.append(target)
        for group, (members, origin) in groups.items():
            for member in members:
                if member not in seen:
                    problems.add(origin, f"groups.{group}", f"no target is named {member!r}")
    problems.raise_if_any()
    member_of = {}
    for group, (members, _) in sorted(groups.items()):
        for member in members:
            member_of.setdefault(member, []).append(group)
    targets = [t if t.name not in member_of else _with_groups(t, tuple(member_of[t.name])) for t in targets]
    return Fleet(path, tuple(targets))


def _with_groups(target: Target, groups: tuple[str, ...]) -> Target:
    return replace(target, groups=groups)


def _unknown_keys(node: YNode, allowed: tuple[str, ...], where: str, problems: Problems) -> None:
    for key in node.value:
        if key not in allowed:
            problems.add(node.key_origins[key], f"{where}{key}" if where else key, "unknown key",
                         did_you_mean(str(key), allowed) or f"known keys: {', '.join(allowed)}")


def _string(node: YNode | None, what: str, problems: Problems) -> str | None:
    if node is None or node.is_null:
        return None
    if node.kind != "scalar" or isinstance(node.value, bool):
        problems.add(node.origin, what, "must be a string")
        return None
    return str(node.value)


def _strings(node: YNode | None, what: str, problems: Problems) -> tuple[str, ...]:
    """A list of strings; a comma-separated string is accepted too (as --allow-hazards)."""
    if node is None or node.is_null:
        return ()
    if node.kind == "scalar" and isinstance(node.value, str):
        return tuple(s.strip() for s in node.value.split(",") if s.strip())
    if node.kind != "seq" or any(v.kind != "scalar" or not isinstance(v.value, str) for v in node.value):
        problems.add(node.origin, what, "must be a list of strings")
        return ()
    return tuple(v.value for v in node.value)


def _overrides(node: YNode | None, where: str, problems: Problems) -> dict:
    if node is None or node.is_null:
        return {}
    if node.kind != "map":
        problems.add(node.origin, where, "must be a map of " + ", ".join(_OVERRIDES))
        return {}
    _unknown_keys(node, _OVERRIDES, f"{where}.", problems)
    out = {}
    for key in ("lock_timeout", "statement_timeout"):
        if key in node.value:
            out[key] = _string(node.value[key], f"{where}.{key}", problems)
    if "allow_hazards" in node.value:
        out["allow_hazards"] = _strings(node.value["allow_hazards"], f"{where}.allow_hazards", problems)
    return out


def _groups(node: YNode | None, problems: Problems) -> dict[str, tuple[tuple[str, ...], Origin]]:
    if node is None or node.is_null:
        return {}
    if node.kind != "map":
        problems.add(node.origin, "groups", "must be a map: group name -> list of target names")
        return {}
    out = {}
    for name, members in node.value.items():
        if not isinstance(name, str) or not _NAME.match(name):
            problems.add(node.key_origins[name], f"groups.{name}", "a group name is letters, digits, _ . -")
            continue
        out[name] = (_strings(members, f"groups.{name}", problems), members.origin)
    return out


def _target(node: YNode, defaults: dict, env, problems: Problems) -> Target | None:
    if node.kind != "map":
        problems.add(node.origin, "targets", "each target must be a map with name and url")
        return None
    _unknown_keys(node, _TARGET_KEYS, "", problems)
    name = _string(node.value.get("name"), "name", problems)
    if name is None:
        problems.add(node.origin, "", "a target without a name", "add `name: ...`")
        return None
    if not _NAME.match(name):
        problems.add(node.value["name"].origin, name, "a target name is letters, digits, _ . -")
        return None
    labels = _strings(node.value.get("labels"), f"{name}.labels", problems)
    for label in labels:
        if not _NAME.match(label):
            problems.add(node.value["labels"].origin, f"{name}.labels", f"label {label!r}: letters, digits, _ . -")
    own = _overrides(_only(node, _OVERRIDES), name, problems)
    settings = {**defaults, **{k: v for k, v in own.items() if v is not None}}
    url_node = node.value.get("url")
    written = _string(url_node, f"{name}.url", problems)
    url = error = None
    if written is None:
        problems.add(node.origin, name, "a target without a url", "add `url: ${SOME_ENV_VAR}`")
    elif _PASSWORD.search(_VAR.sub("", written)):
        problems.add(url_node.origin, f"{name}.url", "a password is written in the URL",
                     "put the URL in an environment variable and write url: ${VAR}")
    else:
        url, error = _expand(written, url_node.origin, env, name, problems)
    return Target(name=name, url=url, labels=labels, lock_timeout=settings.get("lock_timeout"),
                  statement_timeout=settings.get("statement_timeout"),
                  allow_hazards=tuple(settings.get("allow_hazards", ())), origin=node.origin, error=error)


def _only(node: YNode, keys: tuple[str, ...]) -> YNode:
    """`node` (a map) with only `keys` (for reading the overrides of a target)."""
    kept = {k: v for k, v in node.value.items() if k in keys}
    return YNode("map", kept, node.path, node.line, node.column,
                 key_marks={k: m for k, m in node.key_marks.items() if k in keys})


def _expand(written: str, origin: Origin, env, name: str, problems: Problems) -> tuple[str | None, str | None]:
    """(url, None), or (None, error) when a variable is not set (an error of this target)."""
    missing = []
    for var in _VAR.findall(written):
        if not _VAR_NAME.match(var):
            problems.add(origin, f"{name}.url", f"${{{var}}} is not an environment variable name")
            return None, None
        if not env.get(var):
            missing.append(var)
    if missing:
        names = ", ".join(f"${m}" for m in dict.fromkeys(missing))
        return None, f"{origin}: {name}: environment variable {names} is not set (or empty)"
    if "$" in _VAR.sub("", written):
        problems.add(origin, f"{name}.url", "a `$` outside ${VAR}", "write variables as ${VAR}")
        return None, None
    return _VAR.sub(lambda m: env[m.group(1)], written), None
