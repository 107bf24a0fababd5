"""The garbage collector's bulk policy (app/collector.py): on for the stretch, the defaults back after."""

from __future__ import annotations

import gc

from sendtrack.app import collector


def test_bulk_raises_the_young_threshold_and_freezes_then_restores_both():
    before = gc.get_threshold()
    frozen_before = gc.get_freeze_count()
    with collector.bulk():
        assert gc.get_threshold() == (max(collector.YOUNG, before[0]), *before[1:])
        assert gc.get_freeze_count() > frozen_before  # start-up's objects (this test's too) frozen
        assert gc.isenabled()  # cycles are still collected: memory stays bounded
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_bulk_restores_the_collector_when_the_work_fails():
    before = gc.get_threshold()
    try:
        with collector.bulk():
            raise ValueError("refused")
    except ValueError:
        pass
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_cycle_made_during_bulk_work_is_still_collected():
    class Node:
        pass

    with collector.bulk():
        node = Node()
        node.self = node  # type: ignore[attr-defined]
        del node
        assert gc.collect() >= 1
