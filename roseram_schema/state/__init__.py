"""What the tool keeps on disk, kept safely: files in a project's `.roseram/` that carry an
HMAC under this user's secret key (files.py, userkey.py), and a name for a dev server that
holds no secret (servers.py). Used by the cache and by the embedded server's data folder."""
