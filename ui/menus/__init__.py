"""The pages of each role, one module per role so each role's menu can grow on its own."""

from __future__ import annotations

from data_access.scope import Role

from . import admin, caseworker, leader, politician

# (script path, Danish title, Material icon); the first page is where the role lands after signing in.
MenuEntry = tuple[str, str, str]

PAGES: dict[Role, list[MenuEntry]] = {
    Role.CASEWORKER: caseworker.PAGES,
    Role.LEADER: leader.PAGES,
    Role.POLITICIAN: politician.PAGES,
    Role.ADMIN: admin.PAGES,
}
