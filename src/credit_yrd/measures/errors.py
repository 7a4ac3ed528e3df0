"""Typed errors of the joint-measures loop; the faces map each class to one HTTP status."""

from __future__ import annotations

from credit_yrd.errors import CreditYrdError


class MeasuresError(CreditYrdError):
    """Base class: bad input (HTTP 400 unless a subclass says otherwise)."""

    status = 400


class NotADepartmentError(MeasuresError):
    """Only a department (a key or account with a province and a domain) may do this."""

    status = 403


class NotFoundError(MeasuresError):
    """No such subscription or action, or not the caller's (the two are not told apart)."""

    status = 404


class ConflictError(MeasuresError):
    """The thing is in a state that refuses the step (a second feedback, a disabled subscription)."""

    status = 409


class BusyError(MeasuresError):
    """Others are writing what is read by cursor and held it too long: ask again shortly."""

    status = 503
