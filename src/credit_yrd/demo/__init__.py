"""The synthetic Yangtze River Delta: a seeded world of subjects, persons and public credit
records, written out as the four provincial platforms publish them, with a ground truth.

Used by the demo (``credit-yrd demo``), the tests and the benchmarks::

    from credit_yrd.demo import GenerateOptions, generate

    summary = generate(Path("world"), GenerateOptions(subjects=20_000, seed=1))

Same options, same bytes. Memory grows with the number of subjects only (records are streamed).

**Sources** (formats from ``credit_yrd/ingest/sources/*.yaml``; one file per record kind, named to
match the mapping's pattern, with the month of ``as_of``): ``shanghai/`` CSV, UTF-8, Chinese column
labels (``2026-10_行政处罚.csv``); ``jiangsu/`` one XLSX workbook, a sheet per kind
(``jiangsu_2026-10.xlsx``); ``zhejiang/`` JSON Lines keyed by field codes, only filled fields
(``penalty_2026-10.jsonl``); ``anhui/`` CSV in GBK, numeric codes, ``YYYY/MM/DD`` dates, amounts in
yuan (``cf_2026-10.csv``). With defects on, each source also gets the next month's penalty file
(``2026-11_行政处罚.csv``, ``jiangsu_2026-11.xlsx`` with one 行政处罚 sheet …) that re-sends
earlier penalties unchanged, withdrawn (公示状态 撤销) or corrected.

**Ground truth** (``truth/``):

* ``defects.jsonl``: one object per planted defect or deliberate quirk::

    {"source": "anhui", "file": "cf_2026-10.csv", "sheet": null, "row": 17, "kind": "penalty",
     "defect": "bad_check_character", "field": "CF_XDR_SHXYM", "expected": "rejected",
     "rule": "check_character"}

  ``row`` is the row a user sees (CSV and XLSX: header = row 1; JSON Lines: line number).
  ``defect`` / ``expected`` / ``rule``: ``bad_check_character`` / rejected / check_character;
  ``impossible_date`` / rejected / date; ``missing_required`` / rejected / required;
  ``name_variant`` / accepted / name_variant (plus ``subject``: the USCC it must link to);
  ``duplicate_row`` / unchanged / duplicate (plus ``duplicate_of``: the earlier row);
  in re-send files ``withdrawal`` / withdrawn / withdrawal, ``correction`` / changed / correction
  (``field`` is the changed one) and ``resend_duplicate`` / unchanged / duplicate, each with
  ``original`` (file, sheet, row). Quirks, present with or without defects, all expected accepted
  with ``subject`` and ``resolution``: ``legacy_only`` (only the 工商注册号; resolution
  ``legacy_map``: the subject's registration record carries it), ``unmapped_legacy_code`` (a
  工商注册号 no registration record carries; resolution ``review``), ``operator_id_only`` (an
  individual business named by its operator's ID number only; resolution ``operator_id``).
* ``summary.json``: :meth:`GenerationSummary.to_dict` — per source and file (and sheet) the data
  rows, expected rejected and accepted, outcomes; per source totals; world totals; defects by type.
* ``subjects.csv``: one line per organisation or individual business: ``uscc, name,
  subject_type, province, city, division, org_code, business_reg_no, legacy_only,
  in_legacy_map``. Persons appear nowhere in the truth (counts only).
* ``institutions.csv``: the deciding authorities and market reporters (role, key, level, uscc,
  name, province, city, division, domain).
"""

from credit_yrd.demo.generate import SOURCES, generate
from credit_yrd.demo.options import DefectRates, GenerateError, GenerateOptions
from credit_yrd.demo.summary import FileSummary, GenerationSummary, SourceSummary

__all__ = [
    "SOURCES",
    "DefectRates",
    "FileSummary",
    "GenerateError",
    "GenerateOptions",
    "GenerationSummary",
    "SourceSummary",
    "generate",
]
