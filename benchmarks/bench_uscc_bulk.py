"""Benchmark: bulk USCC validation vs python-stdnum's scalar ``is_valid`` in a Python loop.

    .venv/bin/python benchmarks/bench_uscc_bulk.py [--n 1000000] [--seed 20240601]

Generates ``--n`` codes (about 97 % valid over a mix of authority/category pairs, letters in
positions 1–2 included, and division codes of 上海/江苏/浙江/安徽; about 3 % broken in varied
ways), times both validators on the same list (best of 3 each), prints both throughputs and
the ratio (target ≥ 20×), and checks that every verdict disagreement falls in a documented
class of difference between the two (see ``credit_yrd.ids.uscc``'s module docstring). Exits 1
on an undocumented disagreement. Not part of the pytest suite.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter

import numpy as np
from stdnum.cn import uscc as stdnum_uscc

from credit_yrd.ids import bulk, uscc

ALPHABET = np.frombuffer(uscc.ALPHABET.encode(), dtype=np.uint8)
ORG_VALUES = {ch: i for i, ch in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
DIVISIONS = [
    "310000",
    "310101",
    "310104",
    "310115",
    "310120",  # 上海
    "320000",
    "320100",
    "320102",
    "320200",
    "320583",
    "321000",  # 江苏
    "330000",
    "330100",
    "330106",
    "330200",
    "330212",
    "330782",  # 浙江
    "340000",
    "340100",
    "340104",
    "340200",
    "341200",  # 安徽
]
# Documented classes of disagreement (ours vs stdnum).
CLASSES = {
    "letters_1_2": "第1–2位为字母（A1、N1–N9、Y1），stdnum 拒绝、本项目接受 "
    "(letters in positions 1–2: stdnum rejects, we accept)",
    "pilot": "试点代码白名单，stdnum 拒绝、本项目接受 (allow-listed pilot code: stdnum rejects)",
    "authority": "校验码正确但登记管理部门码不存在，本项目拒绝 (checksum ok, unknown authority)",
    "authority_category": "校验码正确但部门码/类别码组合无效，本项目拒绝 "
    "(checksum ok, bad authority/category pair)",
    "division": "校验码正确但行政区划码无效，本项目拒绝 (checksum ok, bad division)",
    "org_code": "校验码正确但第9–17位不符合 GB 11714，本项目拒绝 (checksum ok, bad org code)",
}


def _uscc_check(values: np.ndarray) -> np.ndarray:
    weights = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int64)
    return (31 - (values[:, :17] @ weights) % 31) % 31


def generate(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    pairs = [a + c for a, auth in uscc.registration_authorities().items() for c in auth.categories]
    # Mostly 91 (enterprises) and 92 (individual businesses), like real data.
    weights = np.array([40.0 if p == "91" else 25.0 if p == "92" else 1.0 for p in pairs])
    pair_idx = rng.choice(len(pairs), size=n, p=weights / weights.sum())
    div_idx = rng.integers(0, len(DIVISIONS), size=n)
    value_of = {ch: i for i, ch in enumerate(uscc.ALPHABET)}
    head = np.array([[value_of[ch] for ch in p] for p in pairs], dtype=np.int64)[pair_idx]
    div = np.array([[int(ch) for ch in d] for d in DIVISIONS], dtype=np.int64)[div_idx]
    body = rng.integers(0, 31, size=(n, 8))  # org-code body within the USCC alphabet
    org_vals = np.array([ORG_VALUES[ch] for ch in uscc.ALPHABET], dtype=np.int64)[body]
    org_check = (11 - (org_vals @ np.array([3, 7, 9, 10, 5, 8, 4, 2])) % 11) % 11
    org_check = np.where(org_check == 10, value_of["X"], org_check)
    values = np.concatenate([head, div, body, org_check[:, None], np.zeros((n, 1), int)], axis=1)
    values[:, 17] = _uscc_check(values)
    codes = [s.decode() for s in ALPHABET[values].view("S18").ravel()]

    # About 3 % broken, in varied ways.
    broken = np.flatnonzero(rng.random(n) < 0.03)
    kinds = rng.integers(0, 10, size=len(broken))
    pilots = sorted(uscc.pilot_codes())
    for i, kind in zip(broken.tolist(), kinds.tolist(), strict=True):
        c = codes[i]
        pos = int(rng.integers(0, 18))
        if kind == 0:  # wrong check character
            c = c[:17] + ("0" if c[17] != "0" else "1")
        elif kind == 1:  # one character replaced
            c = c[:pos] + uscc.ALPHABET[int(rng.integers(0, 31))] + c[pos + 1 :]
        elif kind == 2:  # a character dropped or doubled
            c = c[:pos] + c[pos + 1 :] if rng.random() < 0.5 else c[:pos] + c[pos:]
        elif kind == 3:  # a letter outside the alphabet
            c = c[:pos] + "IOZSV"[int(rng.integers(0, 5))] + c[pos + 1 :]
        elif kind == 4:  # transposition
            p = min(pos, 16)
            c = c[:p] + c[p + 1] + c[p] + c[p + 2 :]
        elif kind == 5:  # bad authority/category pair, check recomputed (passes the checksum)
            c = "36" + c[2:17]
            c += uscc.calc_check_character(c)
        elif kind == 6:  # bad province, check recomputed
            c = c[:2] + "99" + c[4:17]
            c += uscc.calc_check_character(c)
        elif kind == 7:  # bad GB 11714 check at position 17, USCC check recomputed
            c = c[:16] + ("0" if c[16] != "0" else "1")
            c += uscc.calc_check_character(c)
        elif kind == 8:  # messy but valid formatting, or garbage
            c = f" {c[:8]}-{c[8:].lower()} " if rng.random() < 0.5 else "无"
        else:  # a pilot code (legal, fails the checksum)
            c = pilots[int(rng.integers(0, len(pilots)))]
        codes[i] = c
    return codes


def best_of(fn, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def classify(code: str, ours: bool, reason: str | None) -> str | None:
    compact = uscc.compact(code)
    if ours:  # we accept, stdnum rejects
        if uscc.is_pilot(compact):
            return "pilot"
        if not compact[:2].isdigit():
            return "letters_1_2"
        return None
    if reason in ("authority", "authority_category", "division", "org_code"):
        return reason
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    codes = generate(args.n, args.seed)
    bulk.validate_uscc_column(codes[:10])  # load rule tables outside the timing
    t_std, std = best_of(lambda: [stdnum_uscc.is_valid(c) for c in codes], args.repeat)
    t_bulk, res = best_of(lambda: bulk.validate_uscc_column(codes), args.repeat)
    ours = res.valid  # type: ignore[attr-defined]
    std_arr = np.array(std, dtype=bool)
    n = len(codes)
    print(f"代码数 codes: {n:,}  (种子 seed {args.seed})")
    print(
        f"本项目有效 valid (ours): {int(ours.sum()):,}   stdnum 有效 valid: {int(std_arr.sum()):,}"
    )
    print(f"python-stdnum 循环 loop : {t_std:8.3f} s  {n / t_std:14,.0f} 个/秒 codes/s")
    print(f"批量校验 bulk           : {t_bulk:8.3f} s  {n / t_bulk:14,.0f} 个/秒 codes/s")
    ratio = t_std / t_bulk
    verdict = "达到 met" if ratio >= 20 else "未达到 NOT met"
    print(f"加速比 speed-up: {ratio:.1f}×  (目标 target ≥ 20×: {verdict})")

    disagree = np.flatnonzero(ours != std_arr)
    classes: Counter[str] = Counter()
    undocumented = []
    for i in disagree.tolist():
        cls = classify(codes[i], bool(ours[i]), res.reason_of(i))  # type: ignore[attr-defined]
        if cls is None:
            undocumented.append(i)
        else:
            classes[cls] += 1
    print(f"判定不一致 disagreements: {len(disagree):,}")
    for cls, count in classes.most_common():
        print(f"  {cls:20s} {count:8,}  {CLASSES[cls]}")
    if undocumented:
        print(f"未记录的不一致 UNDOCUMENTED disagreements: {len(undocumented)}", file=sys.stderr)
        for i in undocumented[:20]:
            print(
                f"  {codes[i]!r}: ours={bool(ours[i])} stdnum={bool(std_arr[i])} "
                f"reason={res.reason_of(i)}",
                file=sys.stderr,
            )  # type: ignore[attr-defined]
        return 1
    print("无未记录的不一致 (no undocumented disagreement)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
