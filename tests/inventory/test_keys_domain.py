"""Keys, given / when / then."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import TenantPath
from services.inventory.events import KeyIssued, KeyLost, KeyReturned
from services.inventory.keys import IssueKey, Key, KeyStatus, ReportKeyLost, ReturnKey
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
SEP_1 = date(2020, 9, 1)
JAN_31 = date(2021, 1, 31)


key = Stream(Key, MAIN, "k301", actor="zhou")


def issue(holder: str = "huang", on: date = SEP_1, due: date = JAN_31, campus: str = "main") -> IssueKey:
    return IssueKey(key_id="k301", campus_id=campus, door="行政楼 301", holder_id=holder, on=on, due_on=due)


ISSUED = KeyIssued(
    key_id="k301",
    campus_id="main",
    door="行政楼 301",
    holder_id="huang",
    issued_on=SEP_1,
    due_on=JAN_31,
    issued_by="zhou",
)
RETURNED = KeyReturned(key_id="k301", returned_on=date(2021, 1, 29), received_by="zhou")
LOST = KeyLost(key_id="k301", reported_on=date(2020, 11, 3), lock_changed=True, note="锁芯已更换")


def test_a_key_is_issued_to_its_holder_by_the_caller() -> None:
    assert key.when(issue()) == [ISSUED]
    assert key.given(ISSUED).status is KeyStatus.ISSUED


def test_a_key_that_is_out_is_not_issued_again() -> None:
    key.refused(issue(holder="sun"), given=[ISSUED], field="key_id")


def test_a_key_comes_back_once() -> None:
    assert key.when(ReturnKey(on=date(2021, 1, 29)), given=[ISSUED]) == [RETURNED]
    key.refused(ReturnKey(on=date(2021, 1, 30)), given=[ISSUED, RETURNED])


def test_a_lost_key_is_not_returned() -> None:
    key.refused(ReturnKey(on=date(2020, 11, 5)), given=[ISSUED, LOST])


def test_a_key_never_issued_is_neither_returned_nor_lost() -> None:
    key.refused(ReturnKey(on=SEP_1))
    key.refused(ReportKeyLost(on=SEP_1))


def test_a_key_is_lost_once_and_not_before_it_was_issued() -> None:
    lost = ReportKeyLost(on=date(2020, 11, 3), lock_changed=True, note="锁芯已更换")
    assert key.when(lost, given=[ISSUED]) == [LOST]
    key.refused(ReportKeyLost(on=date(2020, 11, 4)), given=[ISSUED, LOST])
    refusal = key.refused(ReportKeyLost(on=date(2020, 8, 31)), given=[ISSUED], field="on", raises=OutOfOrder)
    assert isinstance(refusal, OutOfOrder) and (refusal.step, refusal.step_time) == ("issued", SEP_1)


def test_a_key_does_not_come_back_before_it_went_out() -> None:
    refusal = key.refused(ReturnKey(on=date(2020, 8, 31)), given=[ISSUED], field="on", raises=OutOfOrder)
    assert isinstance(refusal, OutOfOrder) and (refusal.step, refusal.step_time) == ("issued", SEP_1)


def test_a_returned_or_lost_key_is_issued_again() -> None:
    again = issue(holder="sun", on=date(2021, 2, 20), due=date(2021, 7, 1))
    (reissued,) = key.when(again, given=[ISSUED, RETURNED])
    assert isinstance(reissued, KeyIssued) and reissued.holder_id == "sun"
    assert key.given(ISSUED, RETURNED, reissued).holder_id == "sun"
    (after_loss,) = key.when(issue(holder="sun", on=date(2020, 11, 4)), given=[ISSUED, LOST])
    assert isinstance(after_loss, KeyIssued)
    # and returned once more after that
    assert key.when(ReturnKey(on=date(2021, 6, 30)), given=[ISSUED, RETURNED, reissued]) == [
        KeyReturned(key_id="k301", returned_on=date(2021, 6, 30), received_by="zhou")
    ]


def test_a_key_is_not_issued_again_before_it_came_back_nor_on_another_campus() -> None:
    refusal = key.refused(issue(on=date(2021, 1, 1)), given=[ISSUED, RETURNED], field="on", raises=OutOfOrder)
    assert isinstance(refusal, OutOfOrder) and (refusal.step, refusal.step_time) == ("returned", date(2021, 1, 29))
    key.refused(issue(on=date(2020, 11, 2)), given=[ISSUED, LOST], field="on", raises=OutOfOrder, match="reported lost")
    key.refused(
        issue(on=date(2021, 2, 1), due=date(2021, 3, 1), campus="aoyuan"), given=[ISSUED, RETURNED], field="campus_id"
    )


def test_a_key_is_due_back_on_or_after_the_day_it_is_issued() -> None:
    assert issue(on=SEP_1, due=SEP_1).due_on == SEP_1
    with pytest.raises(ValidationError) as bad:
        issue(on=SEP_1, due=date(2020, 8, 31))
    assert [e["loc"] for e in bad.value.errors()] == [("due_on",)]


@pytest.mark.parametrize("model", [IssueKey, ReturnKey, ReportKeyLost])
def test_every_example_is_a_valid_command(model: Any) -> None:
    examples = model.model_config["json_schema_extra"]["examples"]
    assert examples
    for example in examples:
        model.model_validate(example)
