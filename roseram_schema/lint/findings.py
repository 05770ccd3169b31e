"""A finding: one named problem, shared by `lint` and `verify`."""

from __future__ import annotations

from dataclasses import dataclass

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, order=True)
class Finding:
    """A named problem: id, severity (error|warning|info), where, what, how to fix."""

    location: str
    id: str
    severity: str
    message: str
    hint: str = ""

    def to_dict(self) -> dict:
        """The JSON form."""
        return {
            "id": self.id,
            "severity": self.severity,
            "location": self.location,
            "message": self.message,
            "hint": self.hint,
        }
