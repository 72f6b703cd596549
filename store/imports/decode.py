"""Bytes to text: an import file is read in exactly one encoding, never guessed."""

from __future__ import annotations

import codecs

from store.imports.errors import ImportRejected, RowError

# bytes checked at a time by check_decodes
CHUNK = 1 << 20


def _codec(encoding: str | None) -> tuple[str, str]:
    if encoding is None:
        return "utf-8-sig", "UTF-8"
    try:
        return codecs.lookup(encoding).name, encoding
    except LookupError:
        raise ImportRejected([RowError(0, f"--encoding {encoding}: not an encoding Python knows "
                                          "(e.g. utf-8, latin-1, cp1252, gb18030)")]) from None


def _rejected(data: bytes, exc: UnicodeDecodeError, label: str, encoding: str | None) -> ImportRejected:
    line = data.count(b"\n", 0, exc.start) + 1
    bad = data[exc.start:exc.end][:4].hex(" ").upper()
    hint = ("save the file as UTF-8, or name the encoding it is in: ipbot import --encoding latin-1 FILE"
            if encoding is None else "check the file's encoding")
    return ImportRejected([RowError(line, f"the file is not {label}: bytes {bad} cannot be read as {label}; "
                                          f"{hint}")])


def check_decodes(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The codec to read the file with and its name, once every byte of it is known
    to read in that encoding (as `decode` would say), without holding its text."""
    codec, label = _codec(encoding)
    dec = codecs.getincrementaldecoder(codec)()
    view = memoryview(data)
    for start in range(0, max(len(data), 1), CHUNK):
        try:
            dec.decode(view[start : start + CHUNK], final=start + CHUNK >= len(data))
        except UnicodeDecodeError:
            # where exactly, as decoding the whole file up to here says
            try:
                data[: start + CHUNK].decode(codec)
            except UnicodeDecodeError as exc:
                raise _rejected(data, exc, label, encoding) from None
            raise
    return codec, label


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The file's text and the name of the encoding it was read with: UTF-8 (with
    or without BOM) unless `encoding` is given. Bytes that are not valid in that
    encoding reject the file with their line: nothing is guessed (latin-1 would
    read any bytes at all, turning a UTF-8 file cut mid-character into wrong names)."""
    codec, label = _codec(encoding)
    try:
        return data.decode(codec), label
    except UnicodeDecodeError as exc:
        raise _rejected(data, exc, label, encoding) from None
