"""Bulk import of facts, patents and licences, one module per step:
decode (bytes -> text) -> readers (CSV/JSON -> rows by column) -> mapping (another
tool's columns -> ours) -> rows (validated row models) -> apply (diff against the
store, upsert, audit). `handlers/imports.py` runs the steps, owns the transaction
and reports; `store/export.py` writes what import reads back."""
