"""bench.rebuild_batches: the configurations it compares, as the command line gives them."""

from __future__ import annotations

import argparse

import pytest

from bench.rebuild_batches import CONFIGS, Config, configs
from services.eventkit.projection import CHECKPOINTS_KEPT, REBUILD_BATCH


def test_the_default_compares_the_old_batches_with_the_shipped_ones() -> None:
    compared = configs(CONFIGS)
    assert compared[0] == Config(5000, 100_000)  # the baseline: what rebuilds did before
    assert Config(REBUILD_BATCH, CHECKPOINTS_KEPT) in compared


def test_a_configuration_without_checkpoints_keeps_the_shipped_number() -> None:
    assert configs("2000, 500:40") == [Config(2000, CHECKPOINTS_KEPT), Config(500, 40)]


@pytest.mark.parametrize("text", ["0:100", "100:1", "-5:10"])
def test_a_batch_of_nothing_or_too_few_checkpoints_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="at least"):
        Config.parse(text)
