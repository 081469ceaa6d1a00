"""Bytes to text: encoding detection and a text stream that counts what it read."""

import codecs
import io
import os
import sys

from attune.model.errors import InvalidInput


_SAMPLE_BYTES = 1 << 20


def detect_encoding(sample):
    """Return ``utf-8-sig``, ``utf-8`` or ``cp1252`` for the first bytes of a file.

    A file whose non-ASCII bytes are mostly valid UTF-8 is UTF-8 (its few bad bytes become bad
    rows); otherwise it is taken as Windows-1252, the usual encoding of spreadsheet exports.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.isascii():
        return "utf-8"
    # Incremental, so a character cut at the end of the sample is not counted as bad.
    text = codecs.getincrementaldecoder("utf-8")("surrogateescape").decode(sample, final=False)
    bad = sum(1 for ch in text if "\udc80" <= ch <= "\udcff")
    good = sum(1 for ch in text if ord(ch) > 127) - bad
    return "utf-8" if bad <= good else "cp1252"


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
    raw = _Prefixed(sample, binary)
    text = io.TextIOWrapper(
        io.BufferedReader(raw, 1 << 16), encoding=encoding, errors="surrogateescape", newline=""
    )
    head = sample.decode(encoding, errors="replace")
    closer = binary.close if binary is not sys.stdin.buffer else None
    try:
        total = os.fstat(binary.fileno()).st_size or None
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        total = None
    return text, encoding, head, closer, (raw, total)


