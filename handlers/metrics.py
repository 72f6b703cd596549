"""Which stored metric a typed name means: shared by admin changes and charts."""

from __future__ import annotations

from handlers import text as tx
from handlers.deps import Deps


def resolve_metric(deps: Deps, typed: str, *, create: bool) -> tuple[str, str]:
    """The stored metric a typed name means, and a note when it is not the same
    text: "licencing revenue" lands on "licensing revenue" (spelling), "royalty
    income" on its metric (alias). With create=False an unknown name is kept."""
    fidx = deps.index.facts
    k = tx.key(typed)
    metric = fidx.phrases.get(k) if k else None
    if metric is None and k:
        corrected = " ".join(deps.index.correct(t, fidx.vocabulary) for t in k.split())
        metric = fidx.phrases.get(corrected)
    if metric is None:
        return typed, (f"“{typed}” is a new metric" if create else "")
    if metric != typed:
        return metric, f"read “{typed}” as {metric}"
    return metric, ""
