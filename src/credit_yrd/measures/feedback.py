"""A department's feedback on a joint action (反馈).

The outcome is ``applied`` (the measure was applied), ``not_applicable`` (the subject had no
business in the scenario, say) or ``exempted`` (the law allows an exception); the last two need a
reason. Only the department that owns the action's subscription may answer, and only once: the
action row keeps the outcome, the reason, who answered and when, and a second answer is refused
(a mistaken answer is not overwritten silently — the credit office sees the first one, and a
correction is a matter for the credit office, outside this API). Feedback is accepted on a lifted
action too: what was done while the subject was listed still counts.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.engine import Connection

from credit_yrd.auth.principal import Principal
from credit_yrd.clock import Clock
from credit_yrd.measures.actions import ActionView, get_action
from credit_yrd.measures.errors import ConflictError, MeasuresError, NotFoundError
from credit_yrd.measures.subscribers import require_department
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import Standard
from credit_yrd.store.schema import FEEDBACK_OUTCOMES, actions
from credit_yrd.text import one_line

REASON_MAX_CHARS = 2000
OUTCOME_LABELS = {
    "applied": ("已实施", "applied"),
    "not_applicable": ("不适用", "not applicable"),
    "exempted": ("依法豁免", "exempted"),
}
NEEDS_REASON = ("not_applicable", "exempted")


def checked_outcome(outcome: str | None, reason: str | None) -> tuple[str, str | None]:
    code = (outcome or "").strip()
    if code not in FEEDBACK_OUTCOMES:
        raise MeasuresError(
            f"outcome：须为 {'、'.join(FEEDBACK_OUTCOMES)} 之一（已实施、不适用、依法豁免）",
            f"outcome: must be one of {', '.join(FEEDBACK_OUTCOMES)}",
        )
    text = one_line(reason) or None
    if text is not None and len(text) > REASON_MAX_CHARS:
        raise MeasuresError(
            f"reason：不能超过 {REASON_MAX_CHARS} 个字符",
            f"reason: must be at most {REASON_MAX_CHARS} characters",
        )
    if code in NEEDS_REASON and text is None:
        zh, en = OUTCOME_LABELS[code]
        raise MeasuresError(
            f"reason：反馈“{zh}”须说明理由", f"reason: the outcome {en!r} needs a reason"
        )
    return code, text


def record_feedback(
    conn: Connection,
    *,
    clock: Clock,
    principal: Principal,
    action_id: int,
    outcome: str,
    reason: str | None,
    standard: Standard | None = None,
) -> ActionView:
    """Record the calling department's feedback on its action; returns the action as it now is.

    Raises :class:`NotFoundError` for an action that is not the caller's (or none),
    :class:`ConflictError` when it already has feedback, :class:`MeasuresError` for a bad outcome
    or a missing reason.
    """
    standard = standard or get_standard()
    require_department(principal)
    found = get_action(conn, action_id, standard=standard)
    if found is None or not found.owned_by(principal):
        raise NotFoundError(
            f"没有本部门的联合奖惩措施 {action_id}",
            f"no joint action {action_id} of this department",
        )
    code, text = checked_outcome(outcome, reason)
    done = conn.execute(
        update(actions)
        .where(actions.c.id == action_id)
        .where(actions.c.feedback.is_(None))
        .values(
            feedback=code,
            feedback_reason=text,
            feedback_by=principal.actor,
            feedback_at=clock.now(),
        )
    ).rowcount
    if done != 1:
        current = get_action(conn, action_id, standard=standard)
        assert current is not None
        zh, en = OUTCOME_LABELS.get(current.feedback or "", (current.feedback, current.feedback))
        at = current.feedback_at.isoformat(timespec="seconds") if current.feedback_at else ""
        raise ConflictError(
            f"措施 {action_id} 已于 {at} 由 {current.feedback_by} 反馈为“{zh}”，不能再次反馈",
            f"action {action_id} already has feedback {en!r} by {current.feedback_by} at {at}; "
            "it cannot be given twice",
        )
    updated = get_action(conn, action_id, standard=standard)
    assert updated is not None
    return updated
