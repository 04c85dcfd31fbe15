"""The generated year of staff appraisals (``bench.dataset.appraisal_year``) is one the service
could have written: every payload decodes, each stream's versions run on from 1 in the order
of the acts, and each finalisation and publication is what the appraisal's decider decides on
the stream's events before it."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from bench.dataset import DISTRICT, HR_CAMPUSES_PER_SCHOOL, WORKERS_PER_CAMPUS, appraisal_months, appraisal_year
from services.eventkit.decider import Resolved
from services.eventkit.envelope import DomainEvent, Envelope, TenantPath
from services.hr_eval import events as ev
from services.hr_eval.appraisal import Appraisal, AppraisalStatus, FinaliseAppraisal
from services.hr_eval.common import appraisal_id
from services.hr_eval.events import HR_EVAL_EVENTS

SCHOOLS, MONTHS = 2, 4


def year() -> tuple[list[Envelope], dict[str, list[tuple[Envelope, DomainEvent]]]]:
    envelopes = list(appraisal_year(schools=SCHOOLS, months=MONTHS))
    streams: dict[str, list[tuple[Envelope, DomainEvent]]] = defaultdict(list)
    for e in envelopes:
        streams[e.stream_id].append((e, HR_EVAL_EVENTS.decode(e)))
    return envelopes, streams


def test_every_stream_runs_on_from_one_in_the_order_of_its_acts() -> None:
    envelopes, streams = year()
    assert [e.occurred_at for e in envelopes] == sorted(e.occurred_at for e in envelopes)
    for stream, events in streams.items():
        assert [e.version for e, _ in events] == list(range(1, len(events) + 1)), stream
        assert all(e.district_id == DISTRICT for e, _ in events)
    opened = [(s, d) for s, events in streams.items() for _, d in events if isinstance(d, ev.AppraisalOpened)]
    for stream, d in opened:
        assert stream == f"appraisal-{appraisal_id(d.staff_id, d.month)}" == f"appraisal-{d.appraisal_id}"
    campuses = SCHOOLS * HR_CAMPUSES_PER_SCHOOL
    per_month = Counter(d.month for _, d in opened)
    assert sorted(per_month) == appraisal_months(months=MONTHS)
    low, high = WORKERS_PER_CAMPUS
    assert all(campuses * low * 0.9 <= n <= campuses * high for n in per_month.values()), per_month


def test_each_finalisation_and_publication_is_the_deciders() -> None:
    _, streams = year()
    finalised = published = in_progress = 0
    for stream, events in streams.items():
        if not stream.startswith("appraisal-") or stream.startswith("appraisal-month-"):
            continue
        for n, (env, event) in enumerate(events):
            if not isinstance(event, ev.AppraisalFinalised):
                continue
            before = Appraisal.fold(d for _, d in events[:n])
            at: datetime = event.finalised_at
            tenant = TenantPath(district_id=DISTRICT, school_id=env.school_id, campus_id=env.campus_id)
            rc = Resolved(FinaliseAppraisal(at=at), tenant, event.appraisal_id, actor=env.actor or "", at=at)
            assert list(Appraisal.decide(rc, before)) == [event], stream
            finalised += 1
        state = Appraisal.fold(d for _, d in events)
        if state.status is AppraisalStatus.PUBLISHED:
            published += 1
            assert state.published_total == state.score.total
        elif state.status is AppraisalStatus.OPEN:
            in_progress += 1
            assert state.month == appraisal_months(months=MONTHS)[-1]  # only the last month is open
    assert finalised == published > 0 and in_progress > 0
    months = [d for events in streams.values() for _, d in events if isinstance(d, ev.AppraisalMonthPublished)]
    assert len(months) == SCHOOLS * HR_CAMPUSES_PER_SCHOOL * (MONTHS - 1)
    assert sum(len(m.appraisal_ids) for m in months) == published
