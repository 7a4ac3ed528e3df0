"""The ledger's read side: one credit file per subject across the region, single records with their
version history, and the append-only log of who read non-public data (``audit``).

``files`` builds what each audience may see (:class:`~credit_yrd.ledger.files.Audience`);
``audiences`` decides which audience a caller is for a subject (authority scope, a subject's
authorisation of a market institution, the subject itself); ``audit`` writes and queries
``access_log``. All take a connection the caller owns.
"""

from credit_yrd.ledger.audiences import Access, access_for
from credit_yrd.ledger.audit import (
    AccessEntry,
    AccessLogEntry,
    AccessLogPage,
    InvalidPeriodError,
    LogPage,
    PurposeRequiredError,
    Reader,
    log_read,
    query_log,
    reads_of_subject,
)
from credit_yrd.ledger.files import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Audience,
    CreditFile,
    FileRecord,
    InvalidCursorError,
    RecordDetail,
    RecordNotVisibleError,
    credit_file,
    record_detail,
    record_subject_id,
)

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "Access",
    "AccessEntry",
    "AccessLogEntry",
    "AccessLogPage",
    "Audience",
    "CreditFile",
    "FileRecord",
    "InvalidCursorError",
    "InvalidPeriodError",
    "LogPage",
    "PurposeRequiredError",
    "Reader",
    "RecordDetail",
    "RecordNotVisibleError",
    "access_for",
    "credit_file",
    "log_read",
    "query_log",
    "reads_of_subject",
    "record_detail",
    "record_subject_id",
]
