"""A name for a dev server that holds no secret, to key what is kept about it on disk."""

from __future__ import annotations

import hashlib
import json

# what an identity looks like (see server_identity)
_IDENTITY_PREFIX = "server-"
# connection parameters that are secrets: never part of a name
_SECRET_PARAMS = ("password", "sslpassword")


def server_identity(url: str) -> str:
    """A name for the dev server behind `url` that holds no secret, to key what the caches
    remember about it: sha256 over libpq's parameters of the URL minus the password, in a
    canonical order (the same server spelt as a URL or as key=value gives one name)."""
    try:
        # lazy: psycopg takes ~0.1 s to import, and the embedded server's name needs none of it
        from psycopg.conninfo import conninfo_to_dict

        params = {k: str(v) for k, v in conninfo_to_dict(url).items() if k not in _SECRET_PARAMS}
    except Exception:  # noqa: BLE001 - not a conninfo libpq reads: connecting will say so
        params = {"unparsed": url}
    text = json.dumps(sorted(params.items()))
    return _IDENTITY_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def is_identity(key) -> bool:
    """Whether `key` is a name server_identity gives, or "embedded"."""
    return key == "embedded" or (isinstance(key, str) and key.startswith(_IDENTITY_PREFIX)
                                 and len(key) == len(_IDENTITY_PREFIX) + 32)


def as_identity(name: str) -> str:
    """`name` when it is an identity already, else server_identity of it (a URL): a URL
    passed by any caller is never what is stored."""
    return name if is_identity(name) else server_identity(name)
