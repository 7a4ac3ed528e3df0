"""The ledger's read side: one credit file per subject across the region, single records with their
version history, and the append-only log of who read non-public data (``audit``).

``files`` builds what each audience may see (:class:`~credit_yrd.ledger.files.Audience`);
``audit`` writes and queries ``access_log``. Both take a connection the caller owns.
"""

from credit_yrd.ledger.audit import (
    AccessEntry,
    LogPage,
    PurposeRequiredError,
    Reader,
    log_read,
    query_log,
    reads_of_subject,
)
from credit_yrd.ledger.files import (
    Audience,
    CreditFile,
    FileRecord,
    RecordDetail,
    RecordNotVisibleError,
    credit_file,
    record_detail,
)

__all__ = [
    "AccessEntry",
    "Audience",
    "CreditFile",
    "FileRecord",
    "LogPage",
    "PurposeRequiredError",
    "Reader",
    "RecordDetail",
    "RecordNotVisibleError",
    "credit_file",
    "log_read",
    "query_log",
    "reads_of_subject",
    "record_detail",
]
