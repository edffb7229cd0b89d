"""The pages of each role, one module per role so each role's menu can grow on its own."""

from __future__ import annotations

from data_access.scope import Role

from . import admin, caseworker, leader, politician

# (script path, Danish title, Material icon); the first page is where the role lands after signing in.
MenuEntry = tuple[str, str, str]
# A role with many pages has them in named sections (each a drop-down in the top menu), so nothing is
# folded away under Streamlit's own English "N more".
Menu = list[MenuEntry] | dict[str, list[MenuEntry]]

PAGES: dict[Role, Menu] = {
    Role.CASEWORKER: caseworker.PAGES,
    Role.LEADER: leader.PAGES,
    Role.POLITICIAN: politician.PAGES,
    Role.ADMIN: admin.PAGES,
}
