"""Who is asking: the signed-in user's role and reach, passed to every query."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CASEWORKER = "caseworker"
    LEADER = "leader"
    POLITICIAN = "politician"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.CASEWORKER: "Sagsbehandler",
    Role.LEADER: "Leder",
    Role.POLITICIAN: "Politiker",
    Role.ADMIN: "Lokal administrator",
}


class AccessDenied(PermissionError):
    """Raised when a scope asks for data outside its rights; the message is Danish."""


@dataclass(frozen=True)
class UserScope:
    """The signed-in user's rights. Frozen and hashable, so it can key caches."""

    username: str
    role: Role
    municipality_code: int
    caseworker_key: str | None = None

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = ", ".join(role.label.lower() for role in roles)
            raise AccessDenied(f"Din rolle ({self.role.label.lower()}) giver ikke adgang her; det kræver: {allowed}.")


def command_line_scope() -> UserScope:
    """Extracts made on the command line: a politician's rights (aggregates only) and no municipality
    of its own, so every value resting on too few persons is suppressed, whichever municipality."""
    return UserScope("kommandolinje", Role.POLITICIAN, 0)
