"""bench.commands_http's verdict says whose the bound is: a rate or a tail the baseline of the same
run (ReportHazard) missed too is the machine's; one it met is the code's."""

from __future__ import annotations

from bench.commands_http import Loads, judged
from bench.load import Latency, LoadResult


def loop(rate: float, p99_ms: float, errors: int = 0) -> LoadResult:
    """A loop of 10 s at ``rate`` whose slowest 1% took ``p99_ms`` (the rest 2 ms)."""
    n = int(rate * 10)
    slow = max(1, n // 100 + 1)
    samples = [0.002] * (n - slow) + [p99_ms / 1000] * slow
    return LoadResult(ok=n, errors=errors, elapsed=10.0, latency=Latency(samples))


def loads(rate: float, p99_ms: float, errors: int = 0) -> Loads:
    return Loads(closed=loop(2_000, 30), opened=loop(rate, p99_ms, errors), easy=loop(1_000, 10), cpu="")


def test_a_tail_over_the_target_is_the_machine_s_when_the_baseline_s_is_too() -> None:
    met, text = judged("existing", loads(1_500, 45), 1_500, loads(1_500, 25), 7_000)
    assert not met and "MACHINE TOO SLOW for a p99 of 20 ms: ReportHazard's was 25 ms" in text


def test_a_tail_over_the_target_is_the_code_s_when_the_baseline_met_it() -> None:
    met, text = judged("existing", loads(1_500, 45), 1_500, loads(1_500, 12), 7_000)
    assert not met and "the tail is the code's: ReportHazard's p99 was 12 ms" in text
    assert "MACHINE TOO SLOW" not in text


def test_a_rate_not_accepted_is_the_machine_s_only_when_the_baseline_missed_it_too() -> None:
    _, text = judged("existing", loads(1_200, 900, errors=50), 1_500, loads(1_200, 800, errors=60), 7_000)
    assert "MACHINE TOO SLOW for 1,500/s" in text and "nor ReportHazard in the same run" in text
    _, text = judged("existing", loads(1_200, 900, errors=50), 1_500, loads(1_500, 12), 7_000)
    assert "1,500/s not accepted" in text and "where ReportHazard was in the same run" in text


def test_the_target_met_says_nothing_of_the_machine() -> None:
    met, text = judged("existing", loads(1_500, 15), 1_500, loads(1_500, 25), 7_000)
    assert met and "MACHINE TOO SLOW" not in text and "the tail is" not in text
