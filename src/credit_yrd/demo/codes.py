"""Building valid identifiers: USCC, organisation code, 15-digit business registration number,
resident ID number. The check characters come from :mod:`credit_yrd.ids`."""

from __future__ import annotations

import hashlib
import random

from credit_yrd.ids import business_reg_no, org_code, resident_id, uscc

USCC_ALPHABET = uscc.ALPHABET
#: Letters and digits allowed in positions 9–16 (the USCC alphabet: no I, O, Z, S, V).
BODY_ALPHABET = USCC_ALPHABET
DIGITS = "0123456789"

# The check characters below are the algorithms of credit_yrd.ids (GB 32100, GB 11714, GB 11643)
# without their input normalisation, which costs more than the arithmetic; the tests compare them
# with credit_yrd.ids and validate every identifier generated.
_USCC_VALUE = {ch: k for k, ch in enumerate(uscc.ALPHABET)}
_USCC_WEIGHTS = uscc.WEIGHTS
_ORG_VALUE = {ch: k for k, ch in enumerate(org_code.BODY_CHARS)}
_ORG_WEIGHTS = org_code.WEIGHTS
_RID_WEIGHTS = resident_id.WEIGHTS
_RID_CHECK = resident_id.CHECK_MAP


def uscc_check(first17: str) -> str:
    total = sum(_USCC_VALUE[ch] * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return uscc.ALPHABET[(31 - total % 31) % 31]


def org_check(body8: str) -> str:
    value = 11 - sum(_ORG_VALUE[ch] * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True)) % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def resident_check(first17: str) -> str:
    return _RID_CHECK[sum(int(ch) * w for ch, w in zip(first17, _RID_WEIGHTS, strict=True)) % 11]


def uscc_of(prefix: str, division: str, body8: str) -> tuple[str, str]:
    """(USCC, organisation code) from the two-character prefix (91, 92, 51, 11 …), the
    six-digit division and an eight-character body."""
    org = body8 + org_check(body8)
    first17 = prefix + division + org
    return first17 + uscc_check(first17), org


def random_body(rng: random.Random, style: str) -> str:
    """An eight-character organisation-code body: ``digits`` (old codes, public bodies),
    ``MA`` (market subjects registered since 2015) or ``MJ`` (social organisations)."""
    if style == "digits":
        return "".join(rng.choices(DIGITS, k=8))
    return style + "".join(rng.choices(BODY_ALPHABET, k=6))


def hashed_body(seed: int, text: str) -> str:
    """A stable eight-digit body for an institution, from the seed and its name."""
    digest = hashlib.blake2b(f"{seed}:{text}".encode(), digest_size=8).digest()
    return f"{int.from_bytes(digest, 'big') % 100_000_000:08d}"


def business_reg_no_of(division: str, type_digit: int, sequence: int) -> str:
    """A 15-digit business registration number: authority division, type digit (0–3 domestic
    enterprise, 6–9 individual business), 7-digit sequence, check digit."""
    first14 = f"{division}{type_digit}{sequence % 10_000_000:07d}"
    return first14 + business_reg_no.calc_check_digit(first14)


def resident_id_of(division: str, born_yyyymmdd: int, sequence: int) -> str:
    first17 = f"{division}{born_yyyymmdd:08d}{sequence:03d}"
    return first17 + resident_check(first17)


def wrong_check_character(code: str, rng: random.Random) -> str:
    """The same USCC with a different (wrong) check character."""
    right = code[-1]
    choices = [ch for ch in USCC_ALPHABET if ch != right]
    return code[:-1] + rng.choice(choices)
