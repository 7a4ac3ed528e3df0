"""Linking records to subjects, and the review queue for what cannot be linked for sure."""

from credit_yrd.resolve.resolver import REVIEW_REASONS, Link, PartyRef, Resolver, subject_type_of
from credit_yrd.resolve.review import (
    Pending,
    ReviewError,
    count_items,
    link_item,
    list_items,
    open_items,
    reject_item,
)

__all__ = [
    "REVIEW_REASONS",
    "Link",
    "PartyRef",
    "Pending",
    "Resolver",
    "ReviewError",
    "count_items",
    "link_item",
    "list_items",
    "open_items",
    "reject_item",
    "subject_type_of",
]
