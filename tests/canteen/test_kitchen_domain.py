"""Food samples and meals served, canteen workers' certificates and morning checks, temperature
logs: given / when / then."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.canteen.events import (
    DishServedWithoutSample,
    HealthCertificateRecorded,
    Meal,
    MealServed,
    MorningCheckRecorded,
    SampleDisposed,
    SampleHeld,
    SampleHoldLifted,
    SampleRetained,
    TemperatureRead,
    TemperatureUnitRegistered,
    UnitKind,
    WorkerCleared,
    WorkerStoodDown,
)
from services.canteen.rules import Rules, rules_fact
from services.canteen.samples import (
    SAMPLED_FACT,
    STOOD_DOWN_FACT,
    CheckMealSamples,
    DisposeSample,
    HoldSample,
    LiftHold,
    MealService,
    RecordMealServed,
    RetainSample,
    Sample,
)
from services.canteen.staff_health import CanteenWorker, ClearWorker, RecordHealthCertificate, RecordMorningCheck
from services.canteen.temperatures import RecordTemperature, RegisterUnit, TakeCorrectiveAction, TemperatureUnit
from services.eventkit.acts import OutOfOrder
from services.eventkit.envelope import TenantPath
from services.eventkit.errors import InvalidInput
from tests.deciders import Stream

MAIN = TenantPath(district_id="xinbei", school_id="xuexiao", campus_id="main")
LUNCH_AT = datetime(2020, 10, 12, 3, 20, tzinfo=UTC)  # 11:20 at the school
RELEASE = LUNCH_AT + timedelta(hours=48)

sample = Stream(Sample, MAIN, "main-2020-10-12-lunch-1", actor="jiang-cook")
meal = Stream(MealService, MAIN, "main-2020-10-12-lunch", actor="han-canteen")
worker = Stream(CanteenWorker, MAIN, "jiang-cook", actor="zhou", at=datetime(2020, 10, 14, 1, 0, tzinfo=UTC))
unit = Stream(TemperatureUnit, MAIN, "main-fridge-2", actor="jiang-cook", at=LUNCH_AT)


def retain(**changes: Any) -> RetainSample:
    body: dict[str, Any] = {
        "sample_id": "main-2020-10-12-lunch-1",
        "campus_id": "main",
        "served_on": "2020-10-12",
        "meal": "lunch",
        "dish": "番茄炒蛋",
        "grams": 150,
        "unit_id": "main-sample-fridge",
        "at": "2020-10-12T11:20:00+08:00",
    }
    return RetainSample.model_validate(body | changes)


RETAINED = SampleRetained(
    sample_id="main-2020-10-12-lunch-1", campus_id="main", served_on=date(2020, 10, 12), meal=Meal.LUNCH,
    dish="番茄炒蛋", grams=150, unit_id="main-sample-fridge", retained_by="jiang-cook", release_after=RELEASE,
)  # fmt: skip
HELD = SampleHeld(sample_id=RETAINED.sample_id, reason="疑似食物中毒调查", held_by="zhou")


# -- samples ---------------------------------------------------------------------------------


def test_a_sample_is_kept_the_districts_time_from_when_it_was_taken() -> None:
    (event,) = sample.when(retain())
    assert event == RETAINED
    longer = rules_fact(Rules(sample_min_hours=72))
    (kept_longer,) = sample.when(retain(), facts=longer)
    assert isinstance(kept_longer, SampleRetained) and kept_longer.release_after == LUNCH_AT + timedelta(hours=72)


def test_a_sample_lighter_than_the_districts_amount_is_refused() -> None:
    sample.refused(retain(grams=124), raises=InvalidInput, field="grams", match="125 g")
    sample.refused(retain(grams=140), facts=rules_fact(Rules(sample_min_grams=150)), raises=InvalidInput, field="grams")
    assert sample.when(retain(grams=125))


def test_a_sample_is_taken_on_the_day_of_its_meal_and_once() -> None:
    sample.refused(retain(at="2020-10-13T11:20:00+08:00"), field="at")
    sample.refused(retain(), given=[RETAINED], field="sample_id")


def test_disposal_before_the_set_time_is_refused_naming_when_it_may_be_released() -> None:
    early = DisposeSample.model_validate({"at": "2020-10-14T11:00:00+08:00"})
    refusal = sample.refused(early, given=[RETAINED], raises=OutOfOrder, field="at")
    assert isinstance(refusal, OutOfOrder) and refusal.step_time == RELEASE
    assert "2020-10-14T11:20:00+08:00" in refusal.reason
    (disposed,) = sample.when(DisposeSample.model_validate({"at": "2020-10-14T11:20:00+08:00"}), given=[RETAINED])
    assert disposed == SampleDisposed(sample_id=RETAINED.sample_id, campus_id="main", disposed_by="jiang-cook")


def test_a_held_sample_is_not_disposed_of_until_the_hold_is_lifted() -> None:
    (held,) = sample.when(HoldSample(reason="疑似食物中毒调查"), given=[RETAINED], actor="zhou")
    assert held == HELD
    late = DisposeSample.model_validate({"at": "2020-10-20T09:00:00+08:00"})
    sample.refused(late, given=[RETAINED, HELD], match="held for an investigation")
    sample.refused(HoldSample(reason="again"), given=[RETAINED, HELD], match="already held")
    (lifted,) = sample.when(LiftHold(reason="调查结束"), given=[RETAINED, HELD])
    assert isinstance(lifted, SampleHoldLifted)
    assert sample.when(late, given=[RETAINED, HELD, lifted])
    sample.refused(LiftHold(reason="no hold"), given=[RETAINED], match="not held")


def test_a_disposed_sample_is_neither_held_nor_disposed_again() -> None:
    disposed = SampleDisposed(sample_id=RETAINED.sample_id, campus_id="main", disposed_by="jiang-cook")
    sample.refused(HoldSample(reason="late"), given=[RETAINED, disposed], match="disposed")
    sample.refused(DisposeSample(), given=[RETAINED, disposed], match="disposed")


# -- meals served ----------------------------------------------------------------------------


def serve(**changes: Any) -> RecordMealServed:
    body: dict[str, Any] = {
        "campus_id": "main",
        "on": "2020-10-12",
        "meal": "lunch",
        "dishes": ["番茄炒蛋", "红烧鸡块", "清炒青菜"],
        "servers": ["jiang-cook", "han-canteen"],
        "diners": 812,
    }
    return RecordMealServed.model_validate(body | changes)


SERVED = MealServed(
    meal_id="main-2020-10-12-lunch", campus_id="main", served_on=date(2020, 10, 12), meal=Meal.LUNCH,
    dishes=["番茄炒蛋", "红烧鸡块", "清炒青菜"], servers=["jiang-cook", "han-canteen"], diners=812,
    recorded_by="han-canteen",
)  # fmt: skip


def test_a_meal_served_is_recorded_once() -> None:
    assert meal.when(serve()) == [SERVED]
    meal.refused(serve(), given=[SERVED], field="meal")


def test_a_stood_down_worker_cannot_serve() -> None:
    refusal = meal.refused(serve(), facts={STOOD_DOWN_FACT: json.dumps(["jiang-cook"])}, field="servers")
    assert "jiang-cook" in refusal.reason


def test_each_dish_served_without_a_sample_is_a_finding_once() -> None:
    check = CheckMealSamples.model_validate({"at": "2020-10-12T13:30:00+08:00"})
    found = meal.when(check, given=[SERVED], facts={SAMPLED_FACT: json.dumps(["番茄炒蛋"])})
    assert [e.dish for e in found if isinstance(e, DishServedWithoutSample)] == ["红烧鸡块", "清炒青菜"]
    assert meal.when(check, given=[SERVED, *found], facts={SAMPLED_FACT: json.dumps(["番茄炒蛋"])}) == []
    everything = json.dumps(["番茄炒蛋", "红烧鸡块", "清炒青菜"])
    assert meal.when(check, given=[SERVED], facts={SAMPLED_FACT: everything}) == []


def test_a_meal_is_checked_after_it_was_served() -> None:
    early = CheckMealSamples.model_validate({"at": "2020-10-11T13:30:00+08:00"})
    meal.refused(early, given=[SERVED], raises=OutOfOrder, field="at")
    meal.refused(CheckMealSamples(), match="never recorded")


def test_a_meal_names_each_dish_and_server_once() -> None:
    for field, value in (("dishes", ["番茄炒蛋", "番茄炒蛋"]), ("servers", ["jiang-cook", "jiang-cook"])):
        try:
            serve(**{field: value})
        except ValueError as exc:
            assert field in str(exc)
        else:
            raise AssertionError(f"{field} twice was accepted")


# -- canteen workers ----------------------------------------------------------------------------


def certificate(**changes: Any) -> RecordHealthCertificate:
    body: dict[str, Any] = {
        "staff_id": "jiang-cook",
        "campus_id": "main",
        "number": "健康证 2020-0412",
        "issued_on": "2020-04-12",
        "expires_on": "2021-04-11",
    }
    return RecordHealthCertificate.model_validate(body | changes)


def check(**changes: Any) -> RecordMorningCheck:
    body: dict[str, Any] = {
        "staff_id": "jiang-cook",
        "campus_id": "main",
        "on": "2020-10-13",
        "shift": "lunch",
        "fever": False,
        "gastro": False,
        "hand_wound": False,
        "respiratory": False,
        "dress_ok": True,
    }
    return RecordMorningCheck.model_validate(body | changes)


CERTIFIED = HealthCertificateRecorded(
    staff_id="jiang-cook", campus_id="main", number="健康证 2020-0412", issued_on=date(2020, 4, 12),
    expires_on=date(2021, 4, 11), recorded_by="zhou",
)  # fmt: skip


def test_a_worker_without_a_valid_certificate_cannot_be_checked_in() -> None:
    worker.refused(check(), field="staff_id", match="no health certificate")
    expired = CERTIFIED.model_copy(update={"expires_on": date(2020, 10, 12)})
    worker.refused(check(), given=[expired], field="staff_id", match="expired on 2020-10-12")
    assert worker.when(check(on="2020-10-12"), given=[expired])  # its last valid day


def test_a_passed_check_records_it_and_one_check_per_day_and_shift() -> None:
    (passed,) = worker.when(check(), given=[CERTIFIED])
    assert isinstance(passed, MorningCheckRecorded) and passed.passed and passed.checked_on == date(2020, 10, 13)
    worker.refused(check(), given=[CERTIFIED, passed], field="shift")
    assert worker.when(check(shift="dinner"), given=[CERTIFIED, passed])


def test_a_failed_check_stands_the_worker_down_until_a_manager_clears_them() -> None:
    checked, stood_down = worker.when(check(gastro=True, dress_ok=False), given=[CERTIFIED])
    assert isinstance(checked, MorningCheckRecorded) and not checked.passed
    assert isinstance(stood_down, WorkerStoodDown) and stood_down.reasons == ["gastro", "dress"]
    assert worker.given(CERTIFIED, checked, stood_down).stood_down
    clear = ClearWorker.model_validate({"note": "复查正常", "at": "2020-10-14T07:00:00+08:00"})
    (cleared,) = worker.when(clear, given=[CERTIFIED, checked, stood_down])
    assert isinstance(cleared, WorkerCleared) and cleared.cleared_by == "zhou"
    assert not worker.given(CERTIFIED, checked, stood_down, cleared).stood_down
    worker.refused(clear, given=[CERTIFIED], match="not stood down")
    early = ClearWorker.model_validate({"note": "复查", "at": "2020-10-12T07:00:00+08:00"})
    worker.refused(early, given=[CERTIFIED, checked, stood_down], raises=OutOfOrder, field="at")


def test_a_certificate_expires_after_it_was_issued_and_belongs_to_one_campus() -> None:
    try:
        certificate(expires_on="2020-04-12")
    except ValueError as exc:
        assert "expires_on" in str(exc)
    else:
        raise AssertionError("a certificate expiring the day it was issued was accepted")
    worker.refused(certificate(campus_id="aoyuan"), given=[CERTIFIED], field="campus_id")
    renewed = certificate(issued_on="2021-04-01", expires_on="2022-03-31")
    worker.refused(renewed, field="issued_on")  # issued after today (the command arrives 2020-10-14)


# -- temperatures --------------------------------------------------------------------------------


REGISTERED = TemperatureUnitRegistered(
    unit_id="main-fridge-2", campus_id="main", name="2号冷藏柜", kind=UnitKind.FRIDGE, min_c10=0, max_c10=80,
    registered_by="zhou",
)  # fmt: skip


def test_a_unit_has_its_lower_limit_below_its_upper() -> None:
    body = {"unit_id": "u1", "campus_id": "main", "name": "冰柜", "kind": "freezer", "min_c10": -180, "max_c10": -180}
    try:
        RegisterUnit.model_validate(body)
    except ValueError as exc:
        assert "max_c10" in str(exc)
    else:
        raise AssertionError("equal limits were accepted")
    assert unit.when(RegisterUnit.model_validate(body | {"max_c10": -120}))


def test_a_reading_is_within_limits_or_not() -> None:
    (cold,) = unit.when(RecordTemperature(reading_id="r1", c10=42), given=[REGISTERED])
    assert isinstance(cold, TemperatureRead) and cold.within_limits
    (warm,) = unit.when(RecordTemperature(reading_id="r2", c10=81), given=[REGISTERED])
    assert isinstance(warm, TemperatureRead) and not warm.within_limits
    unit.refused(RecordTemperature(reading_id="r1", c10=40), given=[REGISTERED, cold], field="reading_id")


def test_an_out_of_limit_reading_needs_a_corrective_action_once() -> None:
    warm = TemperatureRead(
        unit_id="main-fridge-2", campus_id="main", reading_id="r2", c10=95, within_limits=False, read_by="jiang-cook"
    )
    cold = warm.model_copy(update={"reading_id": "r1", "c10": 40, "within_limits": True})
    state = unit.given(REGISTERED, cold, warm)
    assert state.out_of_limits - state.acted_on == {"r2"}
    (acted,) = unit.when(
        TakeCorrectiveAction(reading_id="r2", action="门未关严，已关好"), given=[REGISTERED, cold, warm]
    )
    assert (
        not unit.given(REGISTERED, cold, warm, acted).out_of_limits - unit.given(REGISTERED, cold, warm, acted).acted_on
    )
    again = TakeCorrectiveAction(reading_id="r2", action="again")
    unit.refused(again, given=[REGISTERED, cold, warm, acted], field="reading_id", match="already")
    unit.refused(TakeCorrectiveAction(reading_id="r1", action="x"), given=[REGISTERED, cold], match="within limits")
    unit.refused(TakeCorrectiveAction(reading_id="r9", action="x"), given=[REGISTERED], match="not a reading")
