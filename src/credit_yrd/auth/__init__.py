"""Authentication: API keys for data sources, departments, the credit office and market
institutions.

A key is shown once, when it is created; the store keeps only its lookup prefix and the SHA-256 of
the whole key. :func:`authenticate` turns a presented key into a :class:`Principal` (who calls, in
which role, for which source and province), or ``None``.
"""

from __future__ import annotations

from credit_yrd.auth.api_keys import (
    KEY_ROLES,
    ApiKeyError,
    InvalidLabelError,
    InvalidProvinceError,
    InvalidRoleError,
    KeyInfo,
    KeyNotFoundError,
    Principal,
    SourceNotAllowedError,
    SourceRequiredError,
    UnknownKeySourceError,
    authenticate,
    create_key,
    get_key,
    hash_key,
    list_keys,
    revoke_key,
)

__all__ = [
    "KEY_ROLES",
    "ApiKeyError",
    "InvalidLabelError",
    "InvalidProvinceError",
    "InvalidRoleError",
    "KeyInfo",
    "KeyNotFoundError",
    "Principal",
    "SourceNotAllowedError",
    "SourceRequiredError",
    "UnknownKeySourceError",
    "authenticate",
    "create_key",
    "get_key",
    "hash_key",
    "list_keys",
    "revoke_key",
]
