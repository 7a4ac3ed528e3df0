"""Personal data protection: resident ID numbers are hashed for lookup and encrypted for display.

One 32-byte master key (``settings.secret_key`` as 64 hex digits, or ``data_dir/secret.key``
created on first use with mode 0600) gives, through HKDF-SM3, independent subkeys:

- the *lookup* key: ``hash_id`` is HMAC-SM3 over the normalised 18-character number, so equal
  numbers meet in the database without the number being stored in clear, and nobody without the
  key can test guesses against the hashes;
- the *encryption* key: ``encrypt``/``decrypt`` use SM4 in an authenticated construction (SM4-GCM;
  where the cryptography build lacks it, SM4-CTR with an HMAC-SM3 tag, encrypt-then-MAC). Every
  blob starts with a format byte, then a random nonce, so several formats can be read side by side.

Changing the master key makes every stored hash and blob unreadable: keep the key file with the
data, and back it up separately from it.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
import stat
from functools import lru_cache
from pathlib import Path
from typing import Literal

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from credit_yrd.errors import CreditYrdError
from credit_yrd.settings import Settings, get_settings

KEY_FILE_NAME = "secret.key"
MASTER_KEY_BYTES = 32

Construction = Literal["sm4-gcm", "sm4-ctr-hmac-sm3"]

_FORMAT_GCM = 0x01  # 0x01 | nonce (12) | ciphertext | tag (16)
_FORMAT_CTR_HMAC = 0x02  # 0x02 | nonce (16) | ciphertext | HMAC-SM3 tag (32)
_GCM_NONCE, _GCM_TAG = 12, 16
_CTR_NONCE, _MAC_TAG = 16, 32

_HKDF_SALT = b"credit-yrd personal data v1"
_INFO_LOOKUP = b"credit-yrd resident-id lookup hmac-sm3 v1"
_INFO_ENCRYPT = b"credit-yrd personal-data encryption sm4 v1"
_INFO_MAC = b"credit-yrd personal-data encryption hmac-sm3 v1"

_RESIDENT_ID = re.compile(r"^[0-9]{17}[0-9X]$")


class PrivacyError(CreditYrdError):
    """Personal data could not be protected or revealed as asked."""


class InvalidKeyError(PrivacyError):
    """The master key is missing, malformed or too widely readable."""


class TamperedDataError(PrivacyError):
    """An encrypted blob failed authentication: altered, truncated, or made with another key."""


class InvalidResidentIdError(PrivacyError):
    """The value is not an 18-character resident ID number."""


def normalise_resident_id(value: str) -> str:
    """Strip spaces and separators, upper-case the check character; require 17 digits + [0-9X].

    The check digit is not verified here (that is ``credit_yrd.ids``' job); only the form, so that
    the same number always hashes the same.
    """
    compact = re.sub(r"[\s\-]", "", value or "").upper()
    if not _RESIDENT_ID.match(compact):
        raise InvalidResidentIdError(
            "身份证号码格式不对：应为 17 位数字加 1 位数字或 X",
            "malformed resident ID number: expected 17 digits and a digit or X",
        )
    return compact


def load_or_create_key(data_dir: Path) -> bytes:
    """Read ``data_dir/secret.key`` (64 hex digits), creating it with mode 0600 when absent.

    Refuses a key file that group or others may read: the key protects every ID number.
    """
    data_dir = Path(data_dir)
    path = data_dir / KEY_FILE_NAME
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(MASTER_KEY_BYTES) + "\n")
    if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise InvalidKeyError(
            f"密钥文件 {path} 的权限过宽，请执行 chmod 600",
            f"key file {path} is readable by others; run chmod 600 on it",
        )
    return parse_key(path.read_text(encoding="ascii").strip(), where=str(path))


def parse_key(value: str | bytes, where: str = "secret_key") -> bytes:
    """A 32-byte key from 64 hex digits (or from 32 raw bytes)."""
    if isinstance(value, bytes) and len(value) == MASTER_KEY_BYTES:
        return value
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        key = b""
    if len(key) != MASTER_KEY_BYTES:
        raise InvalidKeyError(
            f"{where} 必须是 64 位十六进制数字（32 字节）",
            f"{where} must be 64 hexadecimal digits (32 bytes)",
        )
    return key


@lru_cache(maxsize=1)
def sm4_gcm_supported() -> bool:
    """Whether this cryptography/OpenSSL build runs SM4 in GCM mode (checked by trying)."""
    try:
        key, nonce = bytes(16), bytes(_GCM_NONCE)
        enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        ct = enc.update(b"probe") + enc.finalize()
        dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, enc.tag)).decryptor()
        return dec.update(ct) + dec.finalize() == b"probe"
    except (UnsupportedAlgorithm, ValueError, TypeError):
        return False


class PersonalDataVault:
    """Keyed hashing and authenticated encryption of personal data under one master key."""

    def __init__(self, master_key: bytes | str, *, construction: Construction | None = None):
        key = parse_key(master_key)
        self._lookup_key = _derive(key, _INFO_LOOKUP, 32)
        self._enc_key = _derive(key, _INFO_ENCRYPT, 16)
        self._mac_key = _derive(key, _INFO_MAC, 32)
        if construction is None:
            construction = "sm4-gcm" if sm4_gcm_supported() else "sm4-ctr-hmac-sm3"
        if construction == "sm4-gcm" and not sm4_gcm_supported():
            raise PrivacyError(
                "此环境的 cryptography 不支持 SM4-GCM", "SM4-GCM is not available in this build"
            )
        self.construction: Construction = construction

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> PersonalDataVault:
        """The vault of ``settings.secret_key``, or of the key file in ``settings.data_dir``."""
        settings = settings or get_settings()
        if settings.secret_key:
            return cls(parse_key(settings.secret_key, where="CREDIT_YRD_SECRET_KEY"))
        return cls(load_or_create_key(settings.data_dir))

    def hash_id(self, resident_id: str) -> str:
        """HMAC-SM3 (hex, 64 characters) of the normalised number: the lookup key of a person."""
        mac = crypto_hmac.HMAC(self._lookup_key, hashes.SM3())
        mac.update(normalise_resident_id(resident_id).encode("ascii"))
        return mac.finalize().hex()

    def hash_document(self, document_type: str, number: str) -> str:
        """HMAC-SM3 (hex) of another identity document (passport, permit …): its lookup key.

        Kept apart from :meth:`hash_id` by a prefix, so a document never collides with an ID number.
        """
        mac = crypto_hmac.HMAC(self._lookup_key, hashes.SM3())
        mac.update(f"doc:{document_type}:{number}".encode())
        return mac.finalize().hex()

    def encrypt(self, plaintext: str) -> bytes:
        """Encrypt ``plaintext`` (UTF-8) under a fresh random nonce; the blob is self-describing."""
        data = plaintext.encode("utf-8")
        if self.construction == "sm4-gcm":
            nonce = os.urandom(_GCM_NONCE)
            header = bytes([_FORMAT_GCM]) + nonce
            enc = Cipher(algorithms.SM4(self._enc_key), modes.GCM(nonce)).encryptor()
            enc.authenticate_additional_data(header[:1])
            body = enc.update(data) + enc.finalize()
            return header + body + enc.tag
        nonce = os.urandom(_CTR_NONCE)
        header = bytes([_FORMAT_CTR_HMAC]) + nonce
        stream = Cipher(algorithms.SM4(self._enc_key), modes.CTR(nonce)).encryptor()
        body = stream.update(data) + stream.finalize()
        return header + body + self._mac(header + body)

    def decrypt(self, blob: bytes) -> str:
        """Authenticate and decrypt an :meth:`encrypt` blob; :class:`TamperedDataError` if not."""
        blob = bytes(blob)
        if not blob:
            raise _tampered()
        fmt = blob[0]
        if fmt == _FORMAT_GCM:
            if len(blob) < 1 + _GCM_NONCE + _GCM_TAG:
                raise _tampered()
            if not sm4_gcm_supported():
                raise PrivacyError(
                    "此环境的 cryptography 不支持 SM4-GCM，无法解密",
                    "SM4-GCM is not available in this build; cannot decrypt",
                )
            nonce = blob[1 : 1 + _GCM_NONCE]
            body, tag = blob[1 + _GCM_NONCE : -_GCM_TAG], blob[-_GCM_TAG:]
            dec = Cipher(algorithms.SM4(self._enc_key), modes.GCM(nonce, tag)).decryptor()
            dec.authenticate_additional_data(blob[:1])
            try:
                data = dec.update(body) + dec.finalize()
            except InvalidTag:
                raise _tampered() from None
        elif fmt == _FORMAT_CTR_HMAC:
            if len(blob) < 1 + _CTR_NONCE + _MAC_TAG:
                raise _tampered()
            signed, tag = blob[:-_MAC_TAG], blob[-_MAC_TAG:]
            if not hmac.compare_digest(self._mac(signed), tag):
                raise _tampered()
            nonce = blob[1 : 1 + _CTR_NONCE]
            stream = Cipher(algorithms.SM4(self._enc_key), modes.CTR(nonce)).decryptor()
            data = stream.update(signed[1 + _CTR_NONCE :]) + stream.finalize()
        else:
            raise _tampered()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:  # pragma: no cover - authenticated data was UTF-8 when sealed
            raise _tampered() from None

    def _mac(self, data: bytes) -> bytes:
        mac = crypto_hmac.HMAC(self._mac_key, hashes.SM3())
        mac.update(data)
        return mac.finalize()

    def __repr__(self) -> str:  # never show key material
        return f"PersonalDataVault(construction={self.construction!r})"


def _derive(master: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SM3(), length=length, salt=_HKDF_SALT, info=info).derive(master)


def _tampered() -> TamperedDataError:
    return TamperedDataError(
        "加密数据校验失败：已被篡改、截断，或用的不是这把密钥",
        "encrypted data failed authentication: altered, truncated, or sealed under another key",
    )
