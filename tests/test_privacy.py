"""Personal data protection: keyed hashing and authenticated SM4 encryption of ID numbers."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from credit_yrd.privacy import (
    KEY_FILE_NAME,
    InvalidKeyError,
    InvalidResidentIdError,
    PersonalDataVault,
    TamperedDataError,
    load_or_create_key,
    normalise_resident_id,
    sm4_gcm_supported,
)
from credit_yrd.settings import Settings

KEY_A = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
KEY_B = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
RESIDENT_ID = "11010519491231002X"  # the GB 11643 example number
CONSTRUCTIONS = ["sm4-gcm", "sm4-ctr-hmac-sm3"]


def test_this_build_has_sm4_gcm_and_uses_it_by_default() -> None:
    assert sm4_gcm_supported()
    assert PersonalDataVault(KEY_A).construction == "sm4-gcm"


@pytest.mark.parametrize("construction", CONSTRUCTIONS)
def test_round_trip(construction) -> None:
    vault = PersonalDataVault(KEY_A, construction=construction)
    for text in (RESIDENT_ID, "张三 310101199001011234", ""):
        blob = vault.encrypt(text)
        assert vault.decrypt(blob) == text


@pytest.mark.parametrize("construction", CONSTRUCTIONS)
def test_encryption_is_randomised_and_hides_the_number(construction) -> None:
    vault = PersonalDataVault(KEY_A, construction=construction)
    first, second = vault.encrypt(RESIDENT_ID), vault.encrypt(RESIDENT_ID)
    assert first != second
    assert RESIDENT_ID.encode() not in first
    assert first[0] == (1 if construction == "sm4-gcm" else 2)  # versioned format byte


@pytest.mark.parametrize("construction", CONSTRUCTIONS)
def test_any_flipped_bit_is_detected(construction) -> None:
    vault = PersonalDataVault(KEY_A, construction=construction)
    blob = vault.encrypt(RESIDENT_ID)
    for index in range(len(blob)):
        for bit in (0x01, 0x80):
            tampered = bytearray(blob)
            tampered[index] ^= bit
            with pytest.raises(TamperedDataError):
                vault.decrypt(bytes(tampered))


@pytest.mark.parametrize("construction", CONSTRUCTIONS)
def test_truncated_or_foreign_blobs_are_refused(construction) -> None:
    vault = PersonalDataVault(KEY_A, construction=construction)
    blob = vault.encrypt(RESIDENT_ID)
    for bad in (b"", blob[:1], blob[:-1], b"\x07" + blob[1:]):
        with pytest.raises(TamperedDataError):
            vault.decrypt(bad)
    with pytest.raises(TamperedDataError) as caught:
        PersonalDataVault(KEY_B, construction=construction).decrypt(blob)
    assert "篡改" in str(caught.value) and "authentication" in str(caught.value)


def test_a_vault_reads_both_formats() -> None:
    gcm = PersonalDataVault(KEY_A, construction="sm4-gcm")
    ctr = PersonalDataVault(KEY_A, construction="sm4-ctr-hmac-sm3")
    assert gcm.decrypt(ctr.encrypt(RESIDENT_ID)) == RESIDENT_ID
    assert ctr.decrypt(gcm.encrypt(RESIDENT_ID)) == RESIDENT_ID


def test_hash_is_stable_under_one_key_and_differs_under_another() -> None:
    a, a_again, b = PersonalDataVault(KEY_A), PersonalDataVault(KEY_A), PersonalDataVault(KEY_B)
    digest = a.hash_id(RESIDENT_ID)
    assert digest == a_again.hash_id(RESIDENT_ID)
    assert digest == a.hash_id(" 110105 19491231 002x ")  # normalised first
    assert digest != b.hash_id(RESIDENT_ID)
    assert digest != a.hash_id("110105194912310021")
    assert len(digest) == 64 and int(digest, 16) >= 0


def test_hash_does_not_contain_the_number_or_its_parts() -> None:
    digest = PersonalDataVault(KEY_A).hash_id(RESIDENT_ID)
    assert RESIDENT_ID.lower() not in digest
    assert "19491231" not in digest  # birth date
    assert "110105" not in digest  # division


def test_hash_is_keyed_not_a_plain_sm3() -> None:
    from cryptography.hazmat.primitives import hashes

    plain = hashes.Hash(hashes.SM3())
    plain.update(RESIDENT_ID.encode())
    assert PersonalDataVault(KEY_A).hash_id(RESIDENT_ID) != plain.finalize().hex()


@pytest.mark.parametrize("bad", ["", "12345", "11010519491231002Y", "1101051949123100211"])
def test_malformed_numbers_are_refused(bad: str) -> None:
    with pytest.raises(InvalidResidentIdError):
        PersonalDataVault(KEY_A).hash_id(bad)


def test_normalise_resident_id() -> None:
    assert normalise_resident_id("110105-19491231-002x") == RESIDENT_ID


@pytest.mark.parametrize("bad", ["", "abc", KEY_A[:-2], KEY_A + "00"])
def test_master_key_must_be_32_bytes_of_hex(bad: str) -> None:
    with pytest.raises(InvalidKeyError) as caught:
        PersonalDataVault(bad)
    assert "64" in str(caught.value)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    key = load_or_create_key(data_dir)
    path = data_dir / KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) == 32
    assert load_or_create_key(data_dir) == key
    assert bytes.fromhex(path.read_text().strip()) == key


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    load_or_create_key(tmp_path)
    (tmp_path / KEY_FILE_NAME).chmod(0o644)
    with pytest.raises(InvalidKeyError, match="chmod 600"):
        load_or_create_key(tmp_path)


def test_vault_from_settings_prefers_the_configured_key(tmp_path: Path) -> None:
    configured = PersonalDataVault.from_settings(Settings(data_dir=tmp_path, secret_key=KEY_A))
    assert configured.hash_id(RESIDENT_ID) == PersonalDataVault(KEY_A).hash_id(RESIDENT_ID)
    assert not (tmp_path / KEY_FILE_NAME).exists()

    generated = PersonalDataVault.from_settings(Settings(data_dir=tmp_path))
    again = PersonalDataVault.from_settings(Settings(data_dir=tmp_path))
    assert (tmp_path / KEY_FILE_NAME).exists()
    assert generated.decrypt(again.encrypt(RESIDENT_ID)) == RESIDENT_ID


def test_repr_shows_no_key_material() -> None:
    text = repr(PersonalDataVault(KEY_A))
    assert KEY_A not in text and "0011" not in text
