"""Public search of subjects: by USCC or legacy code, or by (part of) the name.

Chinese names need two-character queries (华信), which SQLite's FTS5 trigram tokenizer cannot
answer, so the platform keeps its own portable index (``subject_terms``: every distinct character
bigram of each organisation's normalised name) and searches it with plain SQL that runs the same on
SQLite and PostgreSQL. Natural persons are never indexed and never returned.

* :mod:`credit_yrd.search.index`: filling the index (per subject, after an ingestion batch, or a
  full rebuild).
* :mod:`credit_yrd.search.query`: :func:`search`, the query with its filters, ranking and pages.
"""

from __future__ import annotations

from credit_yrd.search.index import (
    bigrams,
    index_new_subjects,
    index_subjects,
    last_subject_id,
    rebuild,
)
from credit_yrd.search.query import (
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    SearchError,
    SearchItem,
    SearchResult,
    normalise_query,
    search,
)

__all__ = [
    "MAX_LIMIT",
    "MAX_QUERY_CHARS",
    "SearchError",
    "SearchItem",
    "SearchResult",
    "bigrams",
    "index_new_subjects",
    "index_subjects",
    "last_subject_id",
    "normalise_query",
    "rebuild",
    "search",
]
