"""Joint rewards and punishments (联合奖惩): the measures catalogue, departments' subscriptions,
and the loop 发起 (initiate) → 推送 (push) → 执行 (execute, marked by the checks) → 反馈 (feedback).

Modules: :mod:`.catalogue` (views of the standard's measures), :mod:`.subscriptions`,
:mod:`.actions` (initiating and lifting), :mod:`.delivery` (signed webhooks and the pull feed),
:mod:`.feedback`, :mod:`.figures` (for the credit offices) and :mod:`.worker` (the periodic pass).
"""
