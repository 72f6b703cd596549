"""The audit snapshot codec: what it writes is what every audit row ever written
holds, and what it reads back forgives old and hand-written rows."""

from __future__ import annotations

from datetime import date

import pytest

from store.audit import PendingSet
from store.records import AliasRecord, FactKey, FactRecord, LicenceKey, LicenceRecord, decode, encode

FACT = FactRecord("Huawei", "licensing revenue", "2023", "about US$630 million", "USD", "about", "AR 2023 — «ü»",
                  630e6)
# as rows written before records existed hold them
FACT_JSON = ('{"metric": "licensing revenue", "numeric": 630000000.0, "period": "2023", "qualifier": "about", '
             '"source": "AR 2023 — «ü»", "subject": "Huawei", "unit": "USD", "value": "about US$630 million"}')
LICENCE = LicenceRecord("Ericsson", "Huawei", "cross-licence", "5G", date(2023, 8, 1), None, "", "active")
LICENCE_JSON = ('{"expires_on": null, "kind": "cross-licence", "licensee": "Ericsson", "licensor": "Huawei", '
                '"signed_on": "2023-08-01", "status": "active", "technology": "5G", "territory": ""}')
ALIAS = AliasRecord("royalty income", "licensing revenue")
ALIAS_JSON = '{"alias": "royalty income", "metric": "licensing revenue"}'


@pytest.mark.parametrize(("kind", "record", "text"), [
    ("fact", FACT, FACT_JSON), ("licence", LICENCE, LICENCE_JSON), ("alias", ALIAS, ALIAS_JSON)])
def test_the_stored_format_is_unchanged_and_reads_back(kind: str, record: object, text: str) -> None:
    assert encode(record) == text  # type: ignore[arg-type]
    assert decode(kind, text) == record


def test_none_is_no_snapshot() -> None:
    assert encode(None) is None
    assert decode("fact", None) is None and decode("fact", "") is None


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '"a string"', '{"subject": "Huawei"'])
def test_text_that_is_not_a_snapshot_reads_as_none(text: str) -> None:
    assert decode("fact", text) is None


def test_old_and_hand_written_rows_are_forgiven() -> None:
    # missing keys, nulls, an integer figure, a date that is not one
    fact = decode("fact", '{"subject": "Huawei", "metric": "valid patents", "value": "over 140,000", '
                          '"numeric": 140000, "unit": null}')
    assert fact == FactRecord("Huawei", "valid patents", "", "over 140,000", "", "", "", 140000.0)
    assert isinstance(fact, FactRecord) and isinstance(fact.numeric, float)
    licence = decode("licence", '{"licensee": "Ericsson", "signed_on": "2023-13-40", "expires_on": ""}')
    assert licence == LicenceRecord("Ericsson", "")
    assert decode("alias", '{"alias": "royalties"}') == AliasRecord("royalties", "")


def test_records_know_their_keys() -> None:
    assert FACT.key == FactKey("Huawei", "licensing revenue", "2023")
    assert LICENCE.key == LicenceKey("Ericsson", "Huawei", date(2023, 8, 1))


def test_a_pending_change_reads_payloads_written_before_records() -> None:
    old = ('{"op": "set", "fact": {"subject": "Huawei", "metric": "licensing revenue", "period": "2023", '
           '"value": "about US$630 million", "numeric": 630000000.0, "unit": "USD", "qualifier": "about", '
           '"source": "AR 2023 — «ü»"}, "note": "a note"}')
    assert PendingSet.of(old) == PendingSet(FACT, "a note")
    assert PendingSet.of(PendingSet(FACT, "a note").payload()) == PendingSet(FACT, "a note")
    assert PendingSet.of("{}") is None and PendingSet.of("cut sh") is None
