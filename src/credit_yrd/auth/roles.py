"""The roles a caller of the platform can have (who may call which route is declared in
``credit_yrd.api.access``)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PUBLIC = "public"
    SUBJECT = "subject"
    DEPARTMENT = "department"
    CREDIT_OFFICE = "credit_office"
    DATA_SOURCE = "data_source"
    MARKET_INSTITUTION = "market_institution"
