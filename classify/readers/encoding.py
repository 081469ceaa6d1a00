"""Bytes to text: encoding detection and a text stream that counts what it read."""

import codecs
import io
import os
import sys

from attune.model.errors import InvalidInput


_SAMPLE_BYTES = 1 << 20


# Byte-order marks, the 4-byte UTF-32 ones first: UTF-16 LE's is a prefix of UTF-32 LE's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
# What a few kinds of binary file start with, and what to do instead.
_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook?): save it as CSV UTF-8 first"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook: save it as CSV UTF-8 first"),
    (b"\x1f\x8b", "gzip-compressed: decompress it first (zcat FILE | attune classify -)"),
    (b"BZh", "bzip2-compressed: decompress it first"),
    (b"%PDF", "a PDF document, not an export"),
)
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\r\f")


def detect_encoding(sample):
    """Return the encoding of a file from its first bytes.

    A byte-order mark names UTF-8, UTF-16 or UTF-32; without one, NUL bytes in every second (or
    every fourth) place mean UTF-16 (UTF-32) text, as Excel's "Unicode Text" writes. Otherwise a
    file whose non-ASCII bytes are mostly valid UTF-8 is UTF-8 (its few bad bytes become bad
    rows), else Windows-1252, the usual encoding of spreadsheet exports.
    """
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    wide = _wide_encoding(sample)
    if wide:
        return wide
    if sample.isascii():
        return "utf-8"
    # Incremental, so a character cut at the end of the sample is not counted as bad.
    text = codecs.getincrementaldecoder("utf-8")("surrogateescape").decode(sample, final=False)
    bad = sum(1 for ch in text if "\udc80" <= ch <= "\udcff")
    good = sum(1 for ch in text if ord(ch) > 127) - bad
    return "utf-8" if bad <= good else "cp1252"


def _wide_encoding(sample):
    """UTF-16 or UTF-32 without a byte-order mark, told by where the NUL bytes fall."""
    head = sample[:4096]
    head = head[: len(head) - len(head) % 4]  # whole 4-byte groups
    if len(head) < 8 or b"\0" not in head:
        return None
    zero = [head[i::4].count(0) / (len(head) // 4) for i in range(4)]
    if min(zero[1:]) > 0.9 and zero[0] < 0.5:
        return "utf-32-le"
    if min(zero[:3]) > 0.9 and zero[3] < 0.5:
        return "utf-32-be"
    even, odd = (zero[0] + zero[2]) / 2, (zero[1] + zero[3]) / 2
    if odd > 0.5 and even < 0.1:
        return "utf-16-le"
    if even > 0.5 and odd < 0.1:
        return "utf-16-be"
    return None


def _refuse_binary(sample, encoding, name):
    """Raise :class:`InvalidInput` when ``sample`` is a binary file, not text (never echo its bytes)."""
    for magic, what in _MAGIC:
        if sample.startswith(magic):
            raise InvalidInput(f"cannot read {name}: it is {what}")
    if encoding.startswith(("utf-16", "utf-32")):
        return
    head = sample[:65536]
    control = len(head) - len(head.translate(None, _CONTROL))
    if head.count(0) > len(head) // 100 or control > len(head) // 20:
        raise InvalidInput(f"cannot read {name}: it is a binary file, not CSV, JSON or JSONL text")


def _escape_any(exc):
    # surrogateescape for any codec: UTF-16's bad units hold bytes below 128, which it refuses.
    return "".join(chr(0xDC00 + b) for b in exc.object[exc.start:exc.end]), exc.end


codecs.register_error("attune-escape", _escape_any)


def _undecodable(text):
    """True when ``text`` holds bytes that were not valid in the file's encoding."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class _Prefixed(io.RawIOBase):
    # Lets a non-seekable stream (stdin) be sniffed: the sample is served again before the rest.
    def __init__(self, prefix, stream):
        self._prefix = memoryview(prefix)
        self._stream = stream
        self.consumed = 0  # bytes handed on, for the progress bar

    def readable(self):
        return True

    def readinto(self, buffer):
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            self.consumed += n
            return n
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        self.consumed += len(data)
        return len(data)


def _open_text(source):
    """Open a path, ``-`` (stdin) or binary stream as text: (stream, encoding, head, closer, progress)."""
    if source == "-":
        binary = sys.stdin.buffer
    elif hasattr(source, "read"):
        binary = source
    else:
        try:
            binary = open(source, "rb")
        except OSError as exc:
            raise InvalidInput(f"cannot open {source}: {exc.strerror}") from exc
    sample = binary.read(_SAMPLE_BYTES)
    encoding = detect_encoding(sample)
    try:
        _refuse_binary(sample, encoding, "standard input" if source == "-" else
                       os.path.basename(source) if isinstance(source, str) else "the input")
    except InvalidInput:
        if binary is not sys.stdin.buffer and binary is not source:
            binary.close()
        raise
    raw = _Prefixed(sample, binary)
    wide = encoding.startswith(("utf-16", "utf-32"))
    text = io.TextIOWrapper(
        io.BufferedReader(raw, 1 << 16), encoding=encoding,
        errors="attune-escape" if wide else "surrogateescape", newline=""
    )
    head = sample.decode(encoding, errors="replace")
    closer = binary.close if binary is not sys.stdin.buffer else None
    try:
        total = os.fstat(binary.fileno()).st_size or None
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        total = None
    return text, encoding, head, closer, (raw, total)


