"""bench/reminders.py's scale-out arguments and its per-tenant report."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.bench.reminders_bench import load


def test_without_scale_out_flags_the_classic_run_is_taken() -> None:
    args, scaled = load().parse(["--count", "500"])

    assert not scaled and args.count == 500 and args.replicas is None


def test_replicas_or_tenants_ask_for_the_scale_out_run() -> None:
    bench = load()
    args, scaled = bench.parse(["--replicas", "3", "--tenants", "2", "--kill-one"])
    only_tenants, also_scaled = bench.parse(["--tenants", "4"])

    assert scaled and (args.replicas, args.tenants, args.kill_one) == (3, 2, True)
    assert also_scaled and (only_tenants.replicas, only_tenants.tenants) == (1, 4)


def test_killing_one_needs_another_replica_to_take_up_its_claims() -> None:
    with pytest.raises(SystemExit):
        load().parse(["--kill-one"])


def test_each_conversation_is_in_one_tenant_and_the_tenants_share_the_reminders() -> None:
    bench = load()
    tenants = bench.tenant_ids(3)

    spread = Counter(bench.tenant_of(i, tenants) for i in range(10))

    assert spread == {tenants[0]: 4, tenants[1]: 3, tenants[2]: 3}


def test_the_report_counts_per_tenant_against_its_own_bound() -> None:
    bench = load()
    tenants = bench.tenant_ids(2)
    keys = {
        tenants[0]: Counter({"k0": 1, "k2": 2, "k4": 1}),  # one delivered twice
        tenants[1]: Counter({"k1": 1}),  # k3 never sent
    }
    stats = {
        "throttled": 5,
        "tenants": {
            tenants[0]: {"accepted": 4, "throttled": 3, "duplicates": 1},
            tenants[1]: {"accepted": 1, "throttled": 2, "duplicates": 0},
        },
    }

    first, second = bench.tenant_figures(
        tenants=tenants,
        count=5,
        app_rate=2,
        keys=keys,
        stats=stats,
        seconds={tenants[0]: 3.0, tenants[1]: 0.5},
    )

    assert (first.reminders, first.delivered, first.lost, first.twice) == (3, 3, 0, 1)
    assert (first.resends, first.throttled, first.bound, first.over) == (1, 3, 1.5, 100.0)
    assert (second.reminders, second.delivered, second.lost, second.throttled) == (2, 1, 1, 2)
    assert second.bound == 1.0 and second.over == -50.0
    *_, everything = bench.tenant_table([first, second])
    # The tenants in parallel: the run's time and bound are the largest of theirs.
    assert everything.split() == ["all", "5", "4", "1", "1", "1", "5", "3.0", "1.5", "+100.0%"]


def test_percentiles_are_nearest_rank() -> None:
    bench = load()
    values = [float(n) for n in range(1, 101)]

    assert bench.percentile(values, 0.5) == 50.0
    assert bench.percentile(values, 0.99) == 99.0
    assert bench.percentile([7.0], 0.99) == 7.0
