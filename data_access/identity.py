"""The real CPR numbers behind the pseudonymised citizen keys, kept in a file of their own.

The warehouse holds only keyed-HMAC pseudonyms; this mapping is published beside it as
``identity.duckdb`` (readable by the service account only) and opened solely by ``data_access``.
"""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table

IDENTITY_NAME = "identity.duckdb"
IDENTITY_ALIAS = "idn"

identity_metadata = MetaData()

citizen_identity = Table(
    "citizen_identity",
    identity_metadata,
    Column("citizen_key", String, nullable=False),
    Column("cpr", String(10), nullable=False),
)
