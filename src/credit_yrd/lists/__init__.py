"""Red and black lists (红黑名单): entries, their 49号文 lifecycle, the record feed and the public
change feed. See :mod:`credit_yrd.lists.lifecycle` for who may take which step."""

from credit_yrd.lists.entries import Entry, active_on, get_entry

__all__ = ["Entry", "active_on", "get_entry"]
