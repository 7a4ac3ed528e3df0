"""Joint rewards and punishments (联合奖惩): the measures catalogue, departments' subscriptions,
their actions (the pull feed among them), feedback, and the credit offices' figures.

Who may call what:

- ``GET /measures``: anyone (the catalogue is public);
- ``/subscriptions``, ``/actions``: departments, each its own (another department's subscription
  or action answers 404, as one that does not exist);
- ``GET /joint/figures``: credit offices — a provincial one its province, the regional one all
  (or one province with ``province``).

Reads of actions are logged in the access log (they name listed subjects).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field

from credit_yrd.api.access import Role, allow
from credit_yrd.api.deps import clock_of, current_principal
from credit_yrd.api.routes.subjects import Lang, Store, problem_doc
from credit_yrd.auth.principal import Principal
from credit_yrd.clock import Clock
from credit_yrd.ledger.audit import Reader, log_read
from credit_yrd.measures import actions as acts
from credit_yrd.measures import catalogue as cat
from credit_yrd.measures import delivery, feedback, figures, subscriptions
from credit_yrd.measures.errors import MeasuresError
from credit_yrd.settings import Settings, get_settings
from credit_yrd.standards.loader import get_standard
from credit_yrd.standards.models import Standard
from credit_yrd.store.engine import transaction

router = APIRouter(tags=["联合奖惩 joint measures"])

Caller = Annotated[Principal, Depends(current_principal)]
ID_MAX = 2**63 - 1
READ_PURPOSE = "联合奖惩措施办理 (handling joint actions)"

DEPARTMENT_ONLY: dict[int | str, dict[str, Any]] = {
    401: problem_doc("未认证 (not authenticated)"),
    403: problem_doc("仅限部门 (departments only)"),
}


def _standard(request: Request) -> Standard:
    settings = getattr(request.app.state, "settings", None)
    version = settings.standard_version if isinstance(settings, Settings) else None
    return get_standard(version)


def _settings(request: Request) -> Settings:
    settings = getattr(request.app.state, "settings", None)
    return settings if isinstance(settings, Settings) else get_settings()


def _refused(exc: MeasuresError) -> HTTPException:
    return HTTPException(status_code=exc.status, detail=str(exc))


# -- the catalogue --------------------------------------------------------------------------


class MeasureList(BaseModel):
    """联合奖惩措施清单 (the joint measures)."""

    measures: list[dict[str, Any]] = Field(
        description="措施：代码、名称、性质（punishment 惩戒 / reward 激励）、法律依据、触发名单、"
        "实施部门领域、适用场景、合作备忘录 (code, label, nature, legal basis, lists, implementing "
        "domains, scenarios, memorandum)"
    )
    by_list: list[dict[str, Any]] = Field(description="按名单 (per list: its measures)")
    by_scenario: list[dict[str, Any]] = Field(description="按场景 (per scenario: its measures)")


@router.get(
    "/measures",
    response_model=MeasureList,
    dependencies=[allow(Role.PUBLIC)],
    responses={400: problem_doc("名单或场景代码无效 (unknown list or scenario)")},
    summary="联合奖惩措施清单 (the joint measures catalogue)",
    description="区域标准中各合作备忘录的措施，可按触发名单（list）和业务场景（scenario）筛选。\n\n"
    "The measures of the standard's memoranda, optionally only those a list triggers and those "
    "that apply in a scenario.",
)
def measures_catalogue(
    request: Request,
    list_code: Annotated[
        str | None,
        Query(
            alias="list", max_length=64, description="名单代码 (list code), e.g. judgment_defaulter"
        ),
    ] = None,
    scenario: Annotated[
        str | None,
        Query(max_length=64, description="业务场景代码 (scenario), e.g. government_procurement"),
    ] = None,
    lang: Lang = None,
) -> MeasureList:
    standard = _standard(request)
    try:
        found = cat.catalogue(standard, list_code=list_code, scenario=scenario)
    except cat.CatalogueError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    return MeasureList(
        measures=found, by_list=cat.by_list(standard), by_scenario=cat.by_scenario(standard)
    )


# -- subscriptions --------------------------------------------------------------------------


class SubscriptionView(BaseModel):
    """部门的联合奖惩订阅 (a department's subscription)."""

    id: int
    account_id: int | None
    key_id: int | None
    department: str = Field(description="部门 (department)")
    province: str = Field(description="部门省份 (province)")
    domain: str = Field(description="部门领域 (domain)")
    scenarios: list[str] = Field(description="订阅的业务场景 (scenarios)")
    webhook_url: str | None = Field(description="推送地址；空则拉取 (push URL; none: pull)")
    delivery: Literal["webhook", "pull"]
    created_at: str
    disabled_at: str | None
    active: bool


class SubscriptionMade(SubscriptionView):
    webhook_secret: str | None = Field(
        description="推送签名密钥：只在此次返回，请立即保存 (the signing secret: shown only now)"
    )


class SubscriptionList(BaseModel):
    subscriptions: list[SubscriptionView]


class SubscribeRequest(BaseModel):
    """订阅业务场景 (subscribe to scenarios)."""

    scenarios: list[str] = Field(
        min_length=1, max_length=50, description="业务场景代码（代码表 scenario）(scenario codes)"
    )
    webhook_url: str | None = Field(
        default=None,
        max_length=subscriptions.WEBHOOK_URL_MAX_CHARS,
        description="推送地址（http/https）；不填则通过 GET /api/v1/actions?after= 拉取 "
        "(push URL, http or https; without it, pull)",
    )


class UpdateRequest(BaseModel):
    """修改订阅；未给出的字段不变 (change a subscription; fields not given stay)."""

    scenarios: list[str] | None = Field(default=None, min_length=1, max_length=50)
    webhook_url: str | None = Field(
        default=None,
        max_length=subscriptions.WEBHOOK_URL_MAX_CHARS,
        description="新推送地址；传 null 或空串取消推送改为拉取 (new URL; null or empty: pull)",
    )
    rotate_secret: bool = Field(default=False, description="生成新签名密钥 (new signing secret)")


def _sub(found: subscriptions.Subscription) -> SubscriptionView:
    return SubscriptionView(**found.to_dict())


@router.get(
    "/subscriptions",
    response_model=SubscriptionList,
    dependencies=[allow(Role.DEPARTMENT)],
    responses=DEPARTMENT_ONLY,
    summary="本部门的订阅 (my subscriptions)",
    description="本部门（本账户或本 API 密钥）的全部订阅，含已停用的。\n\n"
    "The calling department's subscriptions (its account's or its key's), disabled ones too.",
)
def my_subscriptions(store: Store, principal: Caller, lang: Lang = None) -> SubscriptionList:
    with store.connect() as conn:
        try:
            found = subscriptions.list_subscriptions(conn, principal)
        except MeasuresError as exc:
            raise _refused(exc) from None
    return SubscriptionList(subscriptions=[_sub(s) for s in found])


@router.post(
    "/subscriptions",
    response_model=SubscriptionMade,
    status_code=201,
    dependencies=[allow(Role.DEPARTMENT)],
    responses={
        **DEPARTMENT_ONLY,
        400: problem_doc("场景或推送地址无效 (bad scenario or webhook URL)"),
    },
    summary="订阅联合奖惩措施 (subscribe to joint actions)",
    description="本部门订阅业务场景：此后任一省份列入名单的主体，凡其措施由本部门领域实施且适用于"
    "所订场景的，均向本部门发起措施；已在列的主体立即补发。给出推送地址时返回签名密钥（仅此一次）。"
    "\n\nSubscribe the calling department to scenarios: every listing, in any province, whose "
    "measures its domain implements in those scenarios initiates an action for it; subjects "
    "already listed are caught up at once. With a webhook URL the signing secret is returned, "
    "this once.",
)
def subscribe(
    request: Request, body: SubscribeRequest, store: Store, principal: Caller, lang: Lang = None
) -> SubscriptionMade:
    with transaction(store) as conn:
        try:
            found, secret = subscriptions.subscribe(
                conn,
                clock=clock_of(request),
                principal=principal,
                scenarios=body.scenarios,
                webhook_url=body.webhook_url,
                standard=_standard(request),
                settings=_settings(request),
            )
        except MeasuresError as exc:
            raise _refused(exc) from None
    return SubscriptionMade(**found.to_dict(), webhook_secret=secret)


SubscriptionId = Annotated[int, Path(ge=1, le=ID_MAX, description="订阅编号 (subscription id)")]


@router.patch(
    "/subscriptions/{subscription_id}",
    response_model=SubscriptionMade,
    dependencies=[allow(Role.DEPARTMENT)],
    responses={
        **DEPARTMENT_ONLY,
        400: problem_doc("场景或推送地址无效 (bad scenario or webhook URL)"),
        404: problem_doc("无本部门的此订阅 (no such subscription of yours)"),
        409: problem_doc("订阅已停用 (the subscription is disabled)"),
    },
    summary="修改订阅 (change a subscription)",
    description="修改场景、推送地址或更换签名密钥；新密钥只在此次返回。\n\n"
    "Change the scenarios or the webhook URL, or rotate the signing secret (returned this once).",
)
def change_subscription(
    request: Request,
    subscription_id: SubscriptionId,
    body: UpdateRequest,
    store: Store,
    principal: Caller,
    lang: Lang = None,
) -> SubscriptionMade:
    given = body.model_fields_set
    with transaction(store) as conn:
        try:
            found, secret = subscriptions.update_subscription(
                conn,
                clock=clock_of(request),
                principal=principal,
                subscription_id=subscription_id,
                scenarios=body.scenarios if "scenarios" in given else subscriptions.UNSET,
                webhook_url=body.webhook_url if "webhook_url" in given else subscriptions.UNSET,
                rotate_secret=body.rotate_secret,
                standard=_standard(request),
                settings=_settings(request),
            )
        except MeasuresError as exc:
            raise _refused(exc) from None
    return SubscriptionMade(**found.to_dict(), webhook_secret=secret)


@router.delete(
    "/subscriptions/{subscription_id}",
    response_model=SubscriptionView,
    dependencies=[allow(Role.DEPARTMENT)],
    responses={**DEPARTMENT_ONLY, 404: problem_doc("无本部门的此订阅 (no such subscription)")},
    summary="停用订阅 (disable a subscription)",
    description="停用后不再发起和推送；已发起的措施保留，仍计入统计。\n\n"
    "No new actions and no more pushes; actions already initiated stay and still count.",
)
def disable_subscription(
    request: Request,
    subscription_id: SubscriptionId,
    store: Store,
    principal: Caller,
    lang: Lang = None,
) -> SubscriptionView:
    with transaction(store) as conn:
        try:
            found = subscriptions.disable_subscription(
                conn, clock=clock_of(request), principal=principal, subscription_id=subscription_id
            )
        except MeasuresError as exc:
            raise _refused(exc) from None
    return _sub(found)


# -- actions ------------------------------------------------------------------------------------


class ActionItem(BaseModel):
    """一项联合奖惩措施 (one joint action)."""

    id: int
    state: Literal["pending", "overdue", "lifted", "fed_back"] = Field(
        description="pending 待反馈 / overdue 逾期未反馈 / lifted 已解除 / fed_back 已反馈"
    )
    subscription_id: int
    department: str
    domain: str
    province: str
    measure_code: str
    initiated_at: str | None
    due_on: str | None
    pushed_at: str | None
    executed_at: str | None
    lifted_at: str | None
    feedback: str | None
    feedback_reason: str | None
    feedback_by: str | None
    feedback_at: str | None
    measure: dict[str, Any] = Field(description="措施 (the measure)")
    entry: dict[str, Any] = Field(description="名单条目 (the list entry behind it)")


class FeedEvent(BaseModel):
    """拉取的一条推送事件，与 webhook 请求体相同 (one event, the same as a webhook body)."""

    delivery_id: int = Field(description="推送编号，幂等键 (delivery id: the idempotency key)")
    event: Literal["action.initiated", "action.lifted"]
    created_at: str
    data: dict[str, Any]


class ActionPage(BaseModel):
    """措施列表或拉取结果 (actions, or the pull feed)."""

    actions: list[ActionItem] = Field(
        default_factory=list, description="列表方式的措施，新在前 (list mode: newest first)"
    )
    next_before: int | None = Field(
        default=None, description="列表方式下一页：before 参数 (list mode: next page's before)"
    )
    events: list[FeedEvent] = Field(
        default_factory=list, description="拉取方式的事件，旧在前 (feed mode: oldest first)"
    )
    next_after: int | None = Field(
        default=None, description="拉取方式下次的 after 参数 (feed mode: the next after)"
    )


def _log_subjects(
    conn: Any, principal: Principal, subject_ids: Iterable[int], clock: Clock, action: str
) -> None:
    reader = Reader.for_principal(principal, READ_PURPOSE)
    for subject_id in sorted(set(subject_ids)):
        log_read(conn, reader, subject_id=subject_id, record_ids=[], action=action, clock=clock)


@router.get(
    "/actions",
    response_model=ActionPage,
    dependencies=[allow(Role.DEPARTMENT)],
    responses={**DEPARTMENT_ONLY, 400: problem_doc("参数无效 (bad parameter)")},
    summary="本部门的联合奖惩措施；拉取推送 (my joint actions; the pull feed)",
    description="不带 after：本部门的措施，新在前，可按 state 筛选（pending 待反馈、overdue 逾期、"
    "lifted 已解除、fed_back 已反馈），下一页用 before。带 after（首次为 0）：拉取方式，返回编号大于 "
    "after 的推送事件（与 webhook 请求体相同），旧在前，读取即视为已推送；下次以 next_after 续读。\n\n"
    "Without after: the department's actions, newest first, filtered by state, paged by before. "
    "With after (0 the first time): the pull feed — the delivery events after that id (each the "
    "same as a webhook body), oldest first; reading them counts as pushed; continue with "
    "next_after.",
)
def my_actions(
    request: Request,
    store: Store,
    principal: Caller,
    state: Annotated[
        Literal["pending", "overdue", "lifted", "fed_back"] | None,
        Query(description="状态筛选 (state filter, list mode)"),
    ] = None,
    before: Annotated[int | None, Query(ge=1, le=ID_MAX, description="列表方式分页")] = None,
    after: Annotated[
        int | None, Query(ge=0, le=ID_MAX, description="拉取方式游标 (pull-feed cursor)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=acts.MAX_LIMIT, description="条数 (how many)")] = 50,
    lang: Lang = None,
) -> ActionPage:
    clock = clock_of(request)
    standard = _standard(request)
    with transaction(store) as conn:
        try:
            if after is not None:
                feed = delivery.pull(conn, principal, after, limit, clock=clock)
                _log_subjects(
                    conn,
                    principal,
                    (e["data"]["entry"]["subject_id"] for e in feed["events"]),
                    clock,
                    "joint.actions.pull",
                )
                return ActionPage(
                    events=[FeedEvent(**e) for e in feed["events"]], next_after=feed["next_after"]
                )
            found = acts.department_actions(
                conn,
                principal,
                standard=standard,
                on=clock.today(),
                state=state,
                before=before,
                limit=limit,
            )
        except MeasuresError as exc:
            raise _refused(exc) from None
        _log_subjects(
            conn, principal, (a.entry["subject_id"] for a in found), clock, "joint.actions"
        )
    today = clock.today()
    return ActionPage(
        actions=[ActionItem(**a.to_dict(today)) for a in found],
        next_before=found[-1].id if len(found) == limit else None,
    )


ActionId = Annotated[int, Path(ge=1, le=ID_MAX, description="措施编号 (action id)")]


def _not_found(action_id: int) -> HTTPException:
    return HTTPException(
        status_code=404,
        detail=f"没有本部门的联合奖惩措施 {action_id} (no joint action {action_id} of this department)",
    )


@router.get(
    "/actions/{action_id}",
    response_model=ActionItem,
    dependencies=[allow(Role.DEPARTMENT)],
    responses={**DEPARTMENT_ONLY, 404: problem_doc("无本部门的此措施 (no such action of yours)")},
    summary="一项联合奖惩措施 (one joint action)",
    description="措施、名单条目（认定部门、依据、在列期间）与办理情况。\n\n"
    "The action with its measure, its list entry (deciding authority, basis, dates) and its state.",
)
def one_action(
    request: Request, action_id: ActionId, store: Store, principal: Caller, lang: Lang = None
) -> ActionItem:
    clock = clock_of(request)
    with transaction(store) as conn:
        found = acts.get_action(conn, action_id, standard=_standard(request))
        if found is None or not found.owned_by(principal):
            raise _not_found(action_id)
        _log_subjects(conn, principal, [found.entry["subject_id"]], clock, "joint.action")
    return ActionItem(**found.to_dict(clock.today()))


class FeedbackRequest(BaseModel):
    """反馈 (feedback)."""

    outcome: Literal["applied", "not_applicable", "exempted"] = Field(
        description="applied 已实施 / not_applicable 不适用 / exempted 依法豁免"
    )
    reason: str | None = Field(
        default=None,
        max_length=feedback.REASON_MAX_CHARS,
        description="理由；不适用和豁免必填 (reason; required for not_applicable and exempted)",
    )


@router.post(
    "/actions/{action_id}/feedback",
    response_model=ActionItem,
    dependencies=[allow(Role.DEPARTMENT)],
    responses={
        **DEPARTMENT_ONLY,
        400: problem_doc("缺少理由 (a reason is missing)"),
        404: problem_doc("无本部门的此措施 (no such action of yours)"),
        409: problem_doc("已反馈，不能再次反馈 (feedback already given)"),
    },
    summary="反馈措施办理结果 (feed back on a joint action)",
    description="每项措施只能反馈一次；记录反馈人和时间。\n\n"
    "Once per action; who and when are kept.",
)
def give_feedback(
    request: Request,
    action_id: ActionId,
    body: FeedbackRequest,
    store: Store,
    principal: Caller,
    lang: Lang = None,
) -> ActionItem:
    clock = clock_of(request)
    with transaction(store) as conn:
        try:
            found = feedback.record_feedback(
                conn,
                clock=clock,
                principal=principal,
                action_id=action_id,
                outcome=body.outcome,
                reason=body.reason,
                standard=_standard(request),
            )
        except MeasuresError as exc:
            raise _refused(exc) from None
    return ActionItem(**found.to_dict(clock.today()))


# -- figures ------------------------------------------------------------------------------------


class JointFigures(BaseModel):
    """联合奖惩闭环统计 (figures of the joint-action loop)."""

    on: str = Field(description="统计截至日 (as of the end of this day)")
    province: str | None = Field(description="省份；空为全区域 (province; none: the region)")
    rows: list[dict[str, Any]] = Field(
        description="按省份、部门、措施：initiated 发起、pushed 推送、executed 执行、fed_back 反馈"
        "（applied / not_applicable / exempted）、lifted 解除、overdue 逾期、given_up 推送失败 "
        "(per province, department and measure)"
    )
    by_province: list[dict[str, Any]]
    totals: dict[str, int]


@router.get(
    "/joint/figures",
    response_model=JointFigures,
    dependencies=[allow(Role.CREDIT_OFFICE)],
    responses={
        400: problem_doc("统计日超出 2000-01-01 至 9998-12-31 (on out of range)"),
        401: problem_doc("未认证 (not authenticated)"),
        403: problem_doc("仅限信用办；省级信用办只能看本省 (credit offices; a province its own)"),
    },
    summary="联合奖惩闭环统计 (joint-action figures)",
    description="截至 on 日（缺省今天）各省、部门、措施的发起、推送、执行、反馈、逾期数。省级信用办"
    "只看本省；区域信用办看全部，或用 province 指定一省。\n\n"
    "As of the end of on (today by default): per province, department and measure, actions "
    "initiated, pushed, executed, fed back and overdue. A provincial credit office sees its "
    "province; the regional one all, or one province with province.",
)
def joint_figures(
    request: Request,
    store: Store,
    principal: Caller,
    on: Annotated[dt.date | None, Query(description="统计日 (day), e.g. 2026-12-01")] = None,
    province: Annotated[
        str | None,
        Query(pattern=r"^(31|32|33|34)$", description="省份 31 32 33 34 (province)"),
    ] = None,
    lang: Lang = None,
) -> JointFigures:
    own = principal.province
    if own is not None and province is not None and province != own:
        raise HTTPException(
            status_code=403,
            detail=f"省级信用办只能查看本省（{own}）的统计 "
            f"(a provincial credit office sees its own province, {own}, only)",
        )
    chosen = own or province
    day = on or clock_of(request).today()
    with store.connect() as conn:
        try:
            found = figures.joint_figures(
                conn, on=day, province=chosen, standard=_standard(request)
            )
        except MeasuresError as exc:
            raise _refused(exc) from None
    return JointFigures(**found)
