"""The name index: every distinct character bigram of each organisation's name in its search form.

The terms of a subject (:func:`terms_of`) are the bigrams of its ``name_normalised`` folded by
:func:`credit_yrd.search.fold.search_form` (traditional characters read as simplified), with
:data:`START` put before the name, so that ``START + first character`` answers prefix queries
(one-character queries, names starting with the query) from the index too; a subject whose search
form differs from its stored form also gets the term :data:`FOLDED`, so the query can tell which
candidates need the fold to be confirmed.

A subject's name never changes after it is created (later names are record data, see
:mod:`credit_yrd.store.subjects`), so a subject is indexed once: by the ingestion batch that
creates it (:func:`index_new_subjects`, inside the batch's transaction), by
:func:`index_subjects` for subjects created another way, or by :func:`rebuild` for a store that
predates the index. Every insert ignores rows already present, so indexing twice is harmless.
Natural persons are never indexed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection

from credit_yrd.search.fold import search_form
from credit_yrd.store._sql import chunked, insert_ignoring, one_of
from credit_yrd.store.schema import subject_terms, subjects

#: Subjects read and indexed per statement.
INDEX_CHUNK = 5_000
#: The subject type that is never indexed.
PERSON = "natural_person"

#: Put before a name: the term START + c says "the name starts with c". A control character, which
#: queries never hold (they are dropped from them) and names never do.
START = "\x02"
#: The term of subjects whose search form differs from ``name_normalised`` (traditional characters).
FOLDED = "\x01f"

#: progress(subjects_done, subjects_total)
RebuildProgress = Callable[[int, int], None]


def bigrams(text: str) -> list[str]:
    """The distinct character bigrams of ``text``, in order of first appearance."""
    return list(dict.fromkeys(text[i : i + 2] for i in range(len(text) - 1)))


def terms_of(name_normalised: str) -> list[str]:
    """The index terms of a name: the bigrams of :data:`START` + its search form, :data:`START` +
    its first two characters, and :data:`FOLDED` when the search form is not the stored form."""
    form = search_form(name_normalised)
    terms = bigrams(START + form) if form else []
    if len(form) > 1:
        terms.append(START + form[:2])  # names starting with these two characters
    if form != name_normalised:
        terms.append(FOLDED)
    return terms


def _insert_terms(conn: Connection, rows: Sequence[Any]) -> int:
    """Insert the terms of (id, name_normalised) rows; the number of subjects given."""
    values = [
        {"term": term, "subject_id": int(row[0])} for row in rows for term in terms_of(row[1] or "")
    ]
    if values:
        conn.execute(insert_ignoring(conn, subject_terms, ["term", "subject_id"]), values)
    return len(rows)


def index_subjects(conn: Connection, subject_ids: Iterable[int]) -> int:
    """Index the given subjects (natural persons skipped); the number of subjects indexed."""
    done = 0
    for chunk in chunked(sorted({int(i) for i in subject_ids}), INDEX_CHUNK):
        rows = conn.execute(
            select(subjects.c.id, subjects.c.name_normalised).where(
                one_of(conn, subjects.c.id, chunk), subjects.c.subject_type != PERSON
            )
        ).all()
        done += _insert_terms(conn, rows)
    return done


def last_subject_id(conn: Connection) -> int:
    """The highest subject id this connection sees (0 for none): the mark a batch takes before
    it writes, so that :func:`index_new_subjects` finds exactly what came after."""
    return int(conn.execute(select(func.coalesce(func.max(subjects.c.id), 0))).scalar_one())


def _index_after(
    conn: Connection, since_id: int, progress: RebuildProgress | None = None, total: int = 0
) -> int:
    done = 0
    cursor = since_id
    while True:
        rows = conn.execute(
            select(subjects.c.id, subjects.c.name_normalised)
            .where(subjects.c.id > cursor, subjects.c.subject_type != PERSON)
            .order_by(subjects.c.id)
            .limit(INDEX_CHUNK)
        ).all()
        if not rows:
            return done
        done += _insert_terms(conn, rows)
        cursor = int(rows[-1][0])
        if progress is not None:
            progress(done, total)


def index_new_subjects(conn: Connection, since_id: int) -> int:
    """Index the organisations with an id above ``since_id`` (taken with :func:`last_subject_id`
    at the start of the batch); the number indexed. Ids come from a sequence, so every subject the
    batch creates is above the mark; subjects of other batches that are found too are indexed
    harmlessly twice (conflicts are ignored)."""
    return _index_after(conn, since_id)


def rebuild(conn: Connection, progress: RebuildProgress | None = None) -> int:
    """Empty the index and index every organisation again, in chunks; the number indexed."""
    total = int(
        conn.execute(
            select(func.count()).select_from(subjects).where(subjects.c.subject_type != PERSON)
        ).scalar_one()
    )
    conn.execute(delete(subject_terms))
    if progress is not None:
        progress(0, total)
    return _index_after(conn, 0, progress, total)
