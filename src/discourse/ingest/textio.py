"""Reading raw text files: decoding, encoding detection, line endings.

Chinese web text arrives as UTF-8 (with or without a byte-order mark),
GB18030/GBK (mainland sites and Excel exports) or Big5 (Taiwan, Hong Kong and
sites that convert to traditional characters). :func:`decode_bytes` decodes
with a declared encoding, or detects one with ``charset-normalizer`` restricted
to those candidates, and reports failures with the file name, line and byte
offset.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

#: Encodings tried by detection, in this order of preference on a tie.
CANDIDATE_ENCODINGS: tuple[str, ...] = ("utf_8", "gb18030", "big5")

_ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf_8": "utf-8",
    "utf-8-sig": "utf-8",
    "utf_8_sig": "utf-8",
    "gbk": "gbk",
    "gb2312": "gbk",  # GBK is a superset of GB2312; decoding as GBK loses nothing
    "gb18030": "gb18030",
    "big5": "big5",
    "big5hkscs": "big5hkscs",
    "cp950": "cp950",
}


class TextDecodeError(ValueError):
    """A raw file could not be turned into text (empty, binary, undecodable)."""


@dataclass(frozen=True)
class DecodedText:
    """Text decoded from a raw file.

    Attributes
    ----------
    text : str
        Decoded text with the BOM removed and line endings normalised to ``\\n``.
    encoding : str
        Canonical name of the encoding used (``utf-8``, ``gb18030``, ``big5`` ...).
    detected : bool
        True when the encoding was detected rather than declared.
    had_bom : bool
        True when the bytes started with a UTF-8 byte-order mark.
    sha256 : str
        SHA-256 hex digest of the raw bytes.
    """

    text: str
    encoding: str
    detected: bool
    had_bom: bool
    sha256: str


def normalise_encoding_name(name: str) -> str:
    """Return the canonical codec name for *name* or raise ``LookupError``.

    Examples
    --------
    >>> normalise_encoding_name("UTF8")
    'utf-8'
    >>> normalise_encoding_name("GB2312")
    'gbk'
    """
    key = name.strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    return codecs.lookup(key).name


def normalise_newlines(text: str) -> str:
    r"""Turn ``\r\n`` and lone ``\r`` into ``\n``.

    Examples
    --------
    >>> normalise_newlines("a\r\nb\rc\n")
    'a\nb\nc\n'
    """
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _looks_binary(data: bytes) -> bool:
    # UTF-16/32 would carry NULs too, but none of the supported encodings does.
    return b"\x00" in data[:65536]


def decode_bytes(data: bytes, *, encoding: str | None = None, source: str = "<bytes>") -> DecodedText:
    """Decode raw bytes of a text file.

    Parameters
    ----------
    data : bytes
        The file's content.
    encoding : str, optional
        Declared encoding. When None, UTF-8 is tried first (strictly), then
        ``charset-normalizer`` chooses among :data:`CANDIDATE_ENCODINGS`.
        Detection needs a sentence or more of text: a few characters can be
        valid, and plausible, in both GB18030 and Big5, so declare the
        encoding of very short files.
    source : str
        Name used in error messages (usually the file path).

    Returns
    -------
    DecodedText

    Raises
    ------
    TextDecodeError
        When the data are empty or whitespace only, look binary (NUL bytes),
        or cannot be decoded; the message names *source*, the line and the
        byte offset of the first bad byte.

    Examples
    --------
    >>> decode_bytes("坚持人民至上，主动迎接疫情防控新任务。\\r\\n".encode("gb18030")).encoding
    'gb18030'
    >>> decode_bytes("疫情防控".encode("utf-8"), encoding="utf-8").encoding
    'utf-8'
    """
    sha = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise TextDecodeError(f"{source}: file is empty")
    if _looks_binary(data):
        pos = data.index(b"\x00")
        raise TextDecodeError(
            f"{source}: looks like a binary file (NUL byte at line {_line_of(data, pos)}, "
            f"byte offset {pos}); expected a text file"
        )
    had_bom = data.startswith(codecs.BOM_UTF8)
    if encoding is not None:
        try:
            enc = normalise_encoding_name(encoding)
        except LookupError as exc:
            raise TextDecodeError(f"{source}: unknown encoding {encoding!r}") from exc
        codec = "utf-8-sig" if enc == "utf-8" else enc
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            raise TextDecodeError(
                f"{source}: bytes not valid in declared encoding {enc!r} at line "
                f"{_line_of(data, exc.start)}, byte offset {exc.start} "
                f"({data[exc.start:exc.start + 4]!r})"
            ) from exc
        return DecodedText(normalise_newlines(text), enc, False, had_bom, sha)

    try:
        text = data.decode("utf-8-sig")
        return DecodedText(normalise_newlines(text), "utf-8", True, had_bom, sha)
    except UnicodeDecodeError as utf8_error:
        first_bad = utf8_error.start
    best = from_bytes(data, cp_isolation=list(CANDIDATE_ENCODINGS)).best()
    if best is None:
        raise TextDecodeError(
            f"{source}: undecodable bytes: not UTF-8 (first invalid byte at line "
            f"{_line_of(data, first_bad)}, byte offset {first_bad}) and neither GB18030 nor "
            "Big5 fits; declare the encoding in the manifest's 'encoding' column"
        )
    enc = normalise_encoding_name(best.encoding)
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:  # pragma: no cover - detector said it fits
        raise TextDecodeError(
            f"{source}: undecodable bytes for detected encoding {enc!r} at line "
            f"{_line_of(data, exc.start)}, byte offset {exc.start}"
        ) from exc
    return DecodedText(normalise_newlines(text), enc, True, had_bom, sha)


def read_text_file(path: str | Path, *, encoding: str | None = None) -> DecodedText:
    """Read and decode a raw text file (never opened for writing).

    See :func:`decode_bytes` for the parameters and errors.
    """
    p = Path(path)
    data = p.read_bytes()
    return decode_bytes(data, encoding=encoding, source=str(p))


def sha256_file(path: str | Path) -> str:
    """Return the SHA-256 hex digest of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


__all__ = [
    "CANDIDATE_ENCODINGS",
    "DecodedText",
    "TextDecodeError",
    "decode_bytes",
    "normalise_encoding_name",
    "normalise_newlines",
    "read_text_file",
    "sha256_file",
]
