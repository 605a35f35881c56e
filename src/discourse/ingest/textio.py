"""Reading raw text files: decoding, encoding detection, line endings.

Chinese web text arrives as UTF-8 (with or without a byte-order mark),
GB18030/GBK (mainland sites and Excel exports), Big5 (Taiwan, Hong Kong and
sites that convert to traditional characters) and, from Windows tools, UTF-16.
:func:`decode_bytes` decodes with a declared encoding or detects one, and
reports failures with the file name, line and byte offset.

Detection, in order:

1. a byte-order mark (UTF-32, UTF-16, UTF-8) decides;
2. files that are not text at all (ZIP containers such as ``.xlsx``/``.docx``,
   old Office files, PDF, images, gzip) are named as what they are;
3. UTF-16 without a BOM is recognised from its NUL bytes (every second byte
   of ASCII characters) when the strict decoding is clean text;
4. strict UTF-8;
5. GB18030 and Big5 are each decoded strictly. When both succeed (GB18030
   decodes every Big5 byte sequence, and short GB18030 texts are often valid
   Big5), the reading with the larger share of *common* Chinese characters
   wins, GB18030 on a tie (:func:`chinese_plausibility`). A short text or a
   close call is reported as uncertain, with both readings, so that the
   researcher declares the encoding.

Doubtful results do not stop loading; they come back as notes
(:class:`DecodeNote`) on :class:`DecodedText` and are issued as warnings:
:class:`UncertainEncodingWarning`, :class:`ImplausibleTextWarning` (a
declared or detected encoding whose reading does not look like Chinese text:
few CJK characters, replacement characters, Latin-1 mojibake such as ``Ã``,
``å``) and :class:`NulByteWarning` (NUL bytes anywhere in a text; cleaning
removes them).
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

#: Legacy encodings tried by detection after UTF-8, in this order of
#: preference on a tie (the project's corpora are mainland texts first).
CANDIDATE_ENCODINGS: tuple[str, ...] = ("utf_8", "gb18030", "big5")

#: Number of most frequent characters of jieba's dictionary counted as
#: "common" by :func:`chinese_plausibility` (the size of the 现代汉语常用字表).
N_COMMON_CHARACTERS = 3500

#: Below this many characters a detection between GB18030 and Big5 is
#: reported as uncertain even when one reading is clearly better.
MIN_CHARS_FOR_DETECTION = 20

#: A reading whose plausibility is below this share is reported as implausible.
PLAUSIBILITY_THRESHOLD = 0.6

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
    "utf16": "utf-16",
    "utf-16": "utf-16",
    "utf_16": "utf-16",
    "utf-16le": "utf-16-le",
    "utf-16-le": "utf-16-le",
    "utf-16be": "utf-16-be",
    "utf-16-be": "utf-16-be",
    "utf32": "utf-32",
    "utf-32": "utf-32",
    "utf-32le": "utf-32-le",
    "utf-32-le": "utf-32-le",
    "utf-32be": "utf-32-be",
    "utf-32-be": "utf-32-be",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
}

# Longest BOM first: the UTF-32-LE BOM begins with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office file (.xls/.doc)"),
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
)

_CJK_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
# Characters that are neither ASCII nor punctuation, spaces or symbols shared
# by every Chinese text (CJK punctuation, full-width forms, general punctuation).
_LETTER_RE = re.compile("[^\x00-\x7f\u2000-\u206f\u3000-\u303f\uff00-\uffef\u00a0\u00b7\u2e80-\u2eff]")
# UTF-8 lead bytes of Chinese read as Latin-1/cp1252: 'å', 'æ', 'ç', 'è', 'é'
# followed by a C1 control or Latin-1 symbol; or 'Ã'/'Â' + Latin-1.
_MOJIBAKE_RE = re.compile("[\u00e4-\u00e9][\u0080-\u00bf\u0152-\u02dc\u2013-\u203a\u20ac\u2122]|[\u00c2\u00c3][\u0080-\u00bf]")
_SAMPLE_CHARS = 200_000


class TextDecodeError(ValueError):
    """A raw file could not be turned into text (empty, binary, undecodable)."""


class DecodingWarning(UserWarning):
    """Base class of the warnings about a decoded text."""


class UncertainEncodingWarning(DecodingWarning):
    """Several encodings decode the bytes and detection cannot be sure."""


class ImplausibleTextWarning(DecodingWarning):
    """The decoded text does not look like Chinese text (wrong encoding?)."""


class NulByteWarning(DecodingWarning):
    """The text contains NUL bytes (cleaning removes them)."""


@dataclass(frozen=True)
class DecodeNote:
    """A doubt about a decoded text, issued as a warning of *category*."""

    category: type[DecodingWarning]
    message: str


@dataclass(frozen=True)
class DecodedText:
    """Text decoded from a raw file.

    Attributes
    ----------
    text : str
        Decoded text with the BOM removed and line endings normalised to ``\\n``.
    encoding : str
        Canonical name of the encoding used (``utf-8``, ``gb18030``, ``big5``,
        ``utf-16-le`` ...).
    detected : bool
        True when the encoding was detected rather than declared.
    had_bom : bool
        True when the bytes started with a byte-order mark (UTF-8, -16 or -32).
    sha256 : str
        SHA-256 hex digest of the raw bytes.
    notes : tuple of DecodeNote
        Doubts about the result (uncertain detection, implausible text, NUL
        bytes); empty when there are none.
    """

    text: str
    encoding: str
    detected: bool
    had_bom: bool
    sha256: str
    notes: tuple[DecodeNote, ...] = ()


def normalise_encoding_name(name: str) -> str:
    """Return the canonical codec name for *name* or raise ``LookupError``.

    Examples
    --------
    >>> normalise_encoding_name("UTF8")
    'utf-8'
    >>> normalise_encoding_name("GB2312")
    'gbk'
    >>> normalise_encoding_name("UTF-16LE")
    'utf-16-le'
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


@functools.lru_cache(maxsize=1)
def common_characters() -> frozenset[str]:
    """The :data:`N_COMMON_CHARACTERS` most frequent characters of modern Chinese.

    Character frequencies are summed over the words of jieba's dictionary,
    each word counted with its frequency; the 3,500 most frequent characters
    approximate the 常用字 list of the 现代汉语常用字表 (3,500 characters),
    which covers about 99.5% of the characters of modern texts. Built once
    per process (about half a second).

    Examples
    --------
    >>> chars = common_characters()
    >>> len(chars), "疫" in chars, "砮" in chars
    (3500, True, False)
    """
    import jieba

    counts: dict[str, int] = {}
    dict_path = Path(jieba.__file__).with_name("dict.txt")
    with open(dict_path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split(" ")
            if len(parts) < 2:
                continue
            freq = int(parts[1])
            for ch in parts[0]:
                counts[ch] = counts.get(ch, 0) + freq
    cjk = [(c, n) for c, n in counts.items() if _CJK_RE.fullmatch(c)]
    cjk.sort(key=lambda item: (-item[1], item[0]))
    return frozenset(c for c, _ in cjk[:N_COMMON_CHARACTERS])


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def chinese_plausibility(text: str) -> tuple[float, int]:
    """Share of a text's characters that are common Chinese characters.

    Counted over the characters that are neither ASCII nor punctuation,
    spaces or full-width forms (so that kana, Latin-1 letters and rare
    characters produced by a wrong decoding count against it). Traditional
    characters are first mapped to simplified ones with OpenCC (``t2s``), so
    that a correct Big5 reading scores as high as a correct GB18030 reading.
    At most the first 200,000 characters are examined.

    Returns
    -------
    (share, n)
        The share (NaN when there is no such character) and the number of
        characters it is computed over.

    Examples
    --------
    >>> chinese_plausibility("疫情防控")
    (1.0, 4)
    >>> share, n = chinese_plausibility("砮①滅諷")  # 疫情防控 in GB18030 read as Big5
    >>> share, n
    (0.5, 4)
    """
    letters = _LETTER_RE.findall(text[:_SAMPLE_CHARS])
    if not letters:
        return float("nan"), 0
    joined = "".join(letters)
    converted = _t2s().convert(joined)
    if len(converted) != len(joined):  # pragma: no cover - t2s is character-preserving here
        converted = "".join(_t2s().convert(c) or c for c in letters)
    common = common_characters()
    n_common = sum(1 for c in converted if c in common)
    return n_common / len(letters), len(letters)


def _text_doubts(text: str, encoding: str, source: str, *, check_common: bool) -> list[DecodeNote]:
    """Notes about a reading that does not look like (Chinese) text."""
    sample = text[:_SAMPLE_CHARS]
    notes: list[DecodeNote] = []
    n_fffd = sample.count("\ufffd")
    if n_fffd:
        notes.append(
            DecodeNote(
                ImplausibleTextWarning,
                f"{source}: the text read as {encoding!r} contains {n_fffd} replacement "
                "character(s) U+FFFD: it was damaged by an earlier wrong decoding",
            )
        )
    letters = _LETTER_RE.findall(sample)
    if len(letters) >= 4:
        n_cjk = sum(1 for c in letters if _CJK_RE.match(c))
        share = n_cjk / len(letters)
        if share < PLAUSIBILITY_THRESHOLD:
            hint = ""
            if _MOJIBAKE_RE.search(sample):
                hint = " (it looks like UTF-8 read as Latin-1: 'Ã', 'å' ... patterns"
                try:
                    sample.encode("cp1252" if encoding == "cp1252" else "latin-1").decode("utf-8")
                    hint += "; the bytes are valid UTF-8"
                except (UnicodeEncodeError, UnicodeDecodeError):
                    pass
                hint += ")"
            notes.append(
                DecodeNote(
                    ImplausibleTextWarning,
                    f"{source}: the text read as {encoding!r} does not look like Chinese: "
                    f"only {share:.0%} of its {len(letters)} non-ASCII letters are CJK "
                    f"characters{hint}; check the manifest's 'encoding' field",
                )
            )
            return notes
    if check_common:
        share, n = chinese_plausibility(sample)
        if n >= 4 and share < PLAUSIBILITY_THRESHOLD:
            notes.append(
                DecodeNote(
                    ImplausibleTextWarning,
                    f"{source}: the text read as {encoding!r} is implausible Chinese: only "
                    f"{share:.0%} of its {n} characters are common characters; check the "
                    "manifest's 'encoding' field",
                )
            )
    return notes


def _nul_note(data: bytes, source: str) -> DecodeNote | None:
    pos = data.find(b"\x00")
    if pos < 0:
        return None
    n = data.count(b"\x00")
    return DecodeNote(
        NulByteWarning,
        f"{source}: {n} NUL byte(s), the first at line {_line_of(data, pos)}, byte offset "
        f"{pos}; cleaning removes them",
    )


def _container_kind(data: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            if magic == b"PK\x03\x04":
                if b"xl/" in data:
                    return "an Excel workbook (.xlsx, a ZIP archive)"
                if b"word/" in data:
                    return "a Word document (.docx, a ZIP archive)"
                if b"opendocument" in data:
                    return "an OpenDocument file (a ZIP archive)"
            return kind
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    """Name of the UTF-16 byte order when *data* is clean UTF-16 without BOM.

    In UTF-16 the high byte of every ASCII character is NUL, so NULs cluster
    on one parity (odd offsets for little-endian); a CJK character has a NUL
    byte only when its code ends in 00 (开 U+5F00). The byte order with more
    NULs in its high bytes is tried, and its strict decoding must be text: no
    control characters but whitespace, and plausible Chinese or plain ASCII.
    """
    if len(data) % 2:
        return None
    even = data[0::2].count(0)
    odd = data[1::2].count(0)
    for enc, on, off in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if on == 0 or on < off:
            continue
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if any(ord(c) < 32 and c not in "\t\n\r\f" for c in text):
            continue
        share, n = chinese_plausibility(text)
        if n == 0 or _score(share) >= PLAUSIBILITY_THRESHOLD:
            return enc
    return None


def _binary_error(data: bytes, source: str, kind: str | None = None) -> TextDecodeError:
    if kind is not None:
        what = f"{kind}, not a text file"
        if "Excel" in kind or "Office" in kind:
            what += "; export the texts as UTF-8 .txt (or the table as CSV)"
        return TextDecodeError(f"{source}: looks like a binary file: {what}")
    pos = data.index(b"\x00")
    n_nul = data.count(b"\x00")
    return TextDecodeError(
        f"{source}: looks like a binary file ({n_nul} NUL bytes, the first at "
        f"line {_line_of(data, pos)}, byte offset {pos}); expected a text file"
    )


def _finish(
    text: str, enc: str, detected: bool, had_bom: bool, sha: str, notes: list[DecodeNote], warn: bool
) -> DecodedText:
    if warn:
        for note in notes:
            warnings.warn(note.message, note.category, stacklevel=3)
    return DecodedText(normalise_newlines(text), enc, detected, had_bom, sha, tuple(notes))


def decode_bytes(
    data: bytes, *, encoding: str | None = None, source: str = "<bytes>", warn: bool = True
) -> DecodedText:
    """Decode raw bytes of a text file.

    Parameters
    ----------
    data : bytes
        The file's content.
    encoding : str, optional
        Declared encoding. When None it is detected (see the module
        docstring): BOM, UTF-16 without BOM, strict UTF-8, then GB18030 or
        Big5 by plausibility. Detection needs a sentence or more of text: a
        few characters can be valid in both GB18030 and Big5, so declare the
        encoding of very short files (detection warns when unsure).
    source : str
        Name used in error messages (usually the file path).
    warn : bool
        Issue the notes (uncertain detection, implausible text, NUL bytes) as
        warnings. With False they are only returned in ``DecodedText.notes``.

    Returns
    -------
    DecodedText

    Raises
    ------
    TextDecodeError
        When the data are empty or whitespace only, are a known binary format
        (ZIP/.xlsx, PDF, images ...) or mostly NUL bytes, or cannot be decoded;
        the message names *source*, the line and the byte offset of the first
        bad byte.

    Warns
    -----
    UncertainEncodingWarning, ImplausibleTextWarning, NulByteWarning

    Examples
    --------
    >>> decode_bytes("坚持人民至上，主动迎接疫情防控新任务。\\r\\n".encode("gb18030")).encoding
    'gb18030'
    >>> decode_bytes("疫情防控".encode("utf-16")).encoding
    'utf-16-le'
    >>> d = decode_bytes("疫情防控".encode("gb18030"), warn=False)
    >>> d.encoding, d.text, d.notes[0].category.__name__
    ('gb18030', '疫情防控', 'UncertainEncodingWarning')
    """
    sha = hashlib.sha256(data).hexdigest()
    bom_enc = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    if bom_enc is None and not data.strip():
        raise TextDecodeError(f"{source}: file is empty")
    notes: list[DecodeNote] = []

    if encoding is not None:
        try:
            enc = normalise_encoding_name(encoding)
        except LookupError as exc:
            raise TextDecodeError(f"{source}: unknown encoding {encoding!r}") from exc
        same_family = bom_enc is not None and (
            bom_enc == enc or (enc in ("utf-16", "utf-32") and bom_enc.startswith(enc))
        )
        codec = bom_enc if same_family else ("utf-8-sig" if enc == "utf-8" else enc)
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            raise TextDecodeError(
                f"{source}: bytes not valid in declared encoding {enc!r} at line "
                f"{_line_of(data, exc.start)}, byte offset {exc.start} "
                f"({data[exc.start:exc.start + 4]!r})"
            ) from exc
        if same_family:
            text = text.removeprefix("\ufeff")
        if not text.strip():
            raise TextDecodeError(f"{source}: file is empty")
        if not enc.startswith("utf-16") and not enc.startswith("utf-32"):
            nul = _nul_note(data, source)
            if nul is not None:
                notes.append(nul)
        legacy_cjk = enc.startswith(("gb", "big5", "cp950", "cp936", "hz", "euc", "shift", "iso2022"))
        notes.extend(_text_doubts(text, enc, source, check_common=legacy_cjk))
        return _finish(text, enc, False, same_family, sha, notes, warn)

    if bom_enc is not None:
        try:
            text = data.decode(bom_enc)
        except UnicodeDecodeError as exc:
            raise TextDecodeError(
                f"{source}: starts with a {bom_enc} byte-order mark but is not valid {bom_enc} "
                f"at byte offset {exc.start}"
            ) from exc
        text = text.removeprefix("\ufeff")
        if not text.strip():
            raise TextDecodeError(f"{source}: file is empty")
        enc = "utf-8" if bom_enc == "utf-8" else bom_enc
        if enc == "utf-8":
            nul = _nul_note(data, source)
            if nul is not None:
                notes.append(nul)
        return _finish(text, enc, True, True, sha, notes, warn)

    kind = _container_kind(data)
    if kind is not None:
        raise _binary_error(data, source, kind)

    if b"\x00" in data:
        n_nul = data.count(b"\x00")
        few = n_nul <= max(8, len(data) // 100)
        if few:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                notes.append(_nul_note(data, source))  # type: ignore[arg-type]
                return _finish(text, "utf-8", True, False, sha, notes, warn)
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            text = data.decode(utf16)
            notes.append(
                DecodeNote(
                    UncertainEncodingWarning,
                    f"{source}: read as {utf16} (no byte-order mark; recognised from its NUL "
                    f"bytes); declare encoding={utf16!r} in the manifest's 'encoding' field",
                )
            )
            return _finish(text, utf16, True, False, sha, notes, warn)
        if not few:
            raise _binary_error(data, source)
        notes.append(_nul_note(data, source))  # type: ignore[arg-type]

    try:
        text = data.decode("utf-8")
        return _finish(text, "utf-8", True, False, sha, notes, warn)
    except UnicodeDecodeError as utf8_error:
        first_bad = utf8_error.start

    readings: dict[str, str] = {}
    for enc in CANDIDATE_ENCODINGS[1:]:
        try:
            readings[enc] = data.decode(enc)
        except UnicodeDecodeError:
            continue
    if not readings:
        raise TextDecodeError(
            f"{source}: undecodable bytes: not UTF-8 (first invalid byte at line "
            f"{_line_of(data, first_bad)}, byte offset {first_bad}) and neither GB18030 nor "
            "Big5 fits; declare the encoding in the manifest's 'encoding' column"
        )
    scores = {enc: chinese_plausibility(text) for enc, text in readings.items()}
    # Highest plausibility wins; ties go to the earlier candidate (GB18030).
    order = sorted(readings, key=lambda e: (-_score(scores[e][0]), CANDIDATE_ENCODINGS.index(e)))
    enc = order[0]
    share, n = scores[enc]
    if len(readings) > 1:
        runner = order[1]
        close = _score(share) - _score(scores[runner][0]) < 0.2
        if n < MIN_CHARS_FOR_DETECTION or close:
            shown = "; ".join(
                f"{e}: {readings[e][:12]!r} ({_score(scores[e][0]):.0%} common characters)" for e in order
            )
            notes.append(
                DecodeNote(
                    UncertainEncodingWarning,
                    f"{source}: encoding uncertain ({n} characters): candidates {shown}; "
                    f"read as {enc!r}; declare the encoding in the manifest's 'encoding' field",
                )
            )
    if n >= 4 and _score(share) < PLAUSIBILITY_THRESHOLD:
        notes.append(
            DecodeNote(
                ImplausibleTextWarning,
                f"{source}: no candidate encoding gives plausible Chinese (best: {enc!r}, "
                f"{_score(share):.0%} of {n} characters common); declare the encoding",
            )
        )
    return _finish(readings[enc], enc, True, False, sha, notes, warn)


def _score(share: float) -> float:
    return 0.0 if share != share else share  # NaN (no letters) scores 0


__all__ = [
    "CANDIDATE_ENCODINGS",
    "DecodeNote",
    "DecodedText",
    "DecodingWarning",
    "ImplausibleTextWarning",
    "NulByteWarning",
    "TextDecodeError",
    "UncertainEncodingWarning",
    "chinese_plausibility",
    "common_characters",
    "decode_bytes",
    "normalise_encoding_name",
    "normalise_newlines",
]
