"""The form names are matched in by search: the stored normal form, folded further.

``subjects.name_normalised`` (see :func:`credit_yrd.store.subjects.normalise_name`) already agrees
on width, brackets, spaces, case and 有限责任公司. Search folds two more things, at index time and
at query time alike, without changing what is stored:

* traditional characters to simplified ones, one character at a time, from the table
  ``search/data/traditional.yaml`` (derived from OpenCC, see the file's header), so that
  華信科技 finds 华信科技 and 有限責任公司 reads as 有限公司;
* the legal form again after that (有限責任公司 only becomes 有限责任公司 once folded).

A change of the table needs ``credit-yrd search reindex`` (the index holds folded bigrams).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from credit_yrd.store.subjects import normalise_name

TABLE_FILE = "traditional.yaml"


@cache
def traditional_table() -> dict[int, str]:
    """The traditional → simplified table as a :meth:`str.translate` map (chains resolved)."""
    text = resources.files("credit_yrd.search").joinpath("data", TABLE_FILE).read_text("utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    pairs = yaml.load(text, Loader=loader)
    if not isinstance(pairs, dict):
        raise ValueError(f"{TABLE_FILE}: expected a mapping of characters")
    table: dict[str, str] = {}
    for trad, simp in pairs.items():
        if not (isinstance(trad, str) and isinstance(simp, str)):
            raise ValueError(f"{TABLE_FILE}: {trad!r}: {simp!r} is not a pair of characters")
        if len(trad) != 1 or len(simp) != 1:
            raise ValueError(f"{TABLE_FILE}: {trad!r}: {simp!r} is not a pair of characters")
        table[trad] = simp
    for trad in list(table):  # 薴 → 苧 → 苎: fold to the end of the chain
        seen = {trad}
        while table[trad] in table and table[trad] not in seen:
            seen.add(table[trad])
            table[trad] = table[table[trad]]
    return {ord(trad): simp for trad, simp in table.items()}


def fold_traditional(text: str) -> str:
    """``text`` with every traditional character of the table replaced by its simplified form."""
    return text.translate(traditional_table())


def search_form(name_normalised: str) -> str:
    """The form a stored ``name_normalised`` is indexed and matched in (see the module doc)."""
    folded = fold_traditional(name_normalised)
    return folded if folded == name_normalised else normalise_name(folded)
