"""Why a file was rejected: every bad line with its reason."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    line: int  # 1-based line in the file (0: the file as a whole)
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" if self.line else self.reason


class ImportRejected(Exception):
    """The file is not imported at all; `errors` names each bad line."""

    def __init__(self, errors: list[RowError], kind: str | None = None) -> None:
        self.errors = errors
        self.kind = kind
        super().__init__("; ".join(str(e) for e in errors[:5]))
