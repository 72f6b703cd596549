"""Export of facts, patents and licences as CSV or JSON: what import reads back."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from store.imports.columns import COLUMNS
from store.imports.formulas import escape_cell
from store.models import Fact, Licence, Patent

_MODELS: dict[str, Any] = {"facts": Fact, "patents": Patent, "licences": Licence}
_ORDER = {"facts": (Fact.subject, Fact.metric, Fact.period), "patents": (Patent.number,),
          "licences": (Licence.licensee, Licence.signed_on)}


def _cell(v: Any) -> Any:
    if isinstance(v, date):
        return v.isoformat()
    return "" if v is None else v


def _csv_cell(v: Any) -> str:
    text = escape_cell(str(_cell(v)))
    # csv's writer leaves a lone CR unquoted when lines end in LF, and a reader then
    # splits the row there: quote every cell holding a separator, quote or line break
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


async def export(*, session: AsyncSession, kind: str, fmt: str = "csv") -> str:
    objs = (await session.scalars(select(_MODELS[kind]).order_by(*_ORDER[kind]))).all()
    cols = COLUMNS[kind]
    if fmt == "json":
        # JSON is not opened as a spreadsheet: values as stored
        records = [{c: _cell(getattr(o, c)) for c in cols} for o in objs]
        return json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    lines = [",".join(cols)]
    lines += [",".join(_csv_cell(getattr(o, c)) for c in cols) for o in objs]
    return "\n".join(lines) + "\n"
