"""Bytes to text: an import file is read in exactly one encoding, never guessed."""

from __future__ import annotations

import codecs

from store.imports.errors import ImportRejected, RowError


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The file's text and the name of the encoding it was read with: UTF-8 (with
    or without BOM) unless `encoding` is given. Bytes that are not valid in that
    encoding reject the file with their line: nothing is guessed (latin-1 would
    read any bytes at all, turning a UTF-8 file cut mid-character into wrong names)."""
    if encoding is None:
        codec, label = "utf-8-sig", "UTF-8"
    else:
        try:
            codec, label = codecs.lookup(encoding).name, encoding
        except LookupError:
            raise ImportRejected([RowError(0, f"--encoding {encoding}: not an encoding Python knows "
                                              "(e.g. utf-8, latin-1, cp1252, gb18030)")]) from None
    try:
        return data.decode(codec), label
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start:exc.end][:4].hex(" ").upper()
        hint = ("save the file as UTF-8, or name the encoding it is in: ipbot import --encoding latin-1 FILE"
                if encoding is None else "check the file's encoding")
        raise ImportRejected([RowError(line, f"the file is not {label}: bytes {bad} cannot be read as {label}; "
                                             f"{hint}")]) from None
