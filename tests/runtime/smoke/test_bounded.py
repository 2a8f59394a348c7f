"""runtime/smoke/bounded.py: a Redis connection a hostile server cannot hold (a deadline and a
byte bound per step, whatever the server sends), on real sockets (tests/support/hostile_redis.py)."""

from __future__ import annotations

import time

import pytest
import redis

from generator.runtime.smoke.bounded import Budget
from generator.runtime.smoke.target import client
from tests.support.hostile_redis import hostile_redis


@pytest.mark.parametrize("mode", ["drip", "silent"])
def test_a_slow_server_is_cut_at_the_steps_deadline(mode: str) -> None:
    """Each read gets its 5 s, yet the whole step ends at the budget's 1 s."""
    with hostile_redis(mode) as port:
        c = client("127.0.0.1", port, None, 5.0, budget=Budget(1.0))
        t0 = time.monotonic()
        with pytest.raises((redis.TimeoutError, redis.ConnectionError)):
            c.execute_command("PING")
        c.close()
    assert time.monotonic() - t0 < 2


@pytest.mark.parametrize("mode", ["endless_line", "huge_bulk"])
def test_a_huge_answer_is_cut_at_the_byte_bound(mode: str) -> None:
    with hostile_redis(mode) as port:
        c = client("127.0.0.1", port, None, 10.0, budget=Budget(10.0, max_bytes=1 << 20))
        t0 = time.monotonic()
        with pytest.raises(redis.ConnectionError, match="answer larger than 1048576 bytes"):
            c.execute_command("PING")
        c.close()
    assert time.monotonic() - t0 < 5


def test_per_command_budgets_start_again_with_each_command() -> None:
    budget = Budget(0.5, per_command=True)
    budget.deadline = 0.0  # spent
    with hostile_redis("echo_store") as port:
        c = client("127.0.0.1", port, "pw", 5.0, budget=budget, decode=False)
        assert c.dbsize() == 1  # a fresh allowance for the connection's first command
        time.sleep(0.6)  # longer than one allowance: the next command gets its own
        assert c.dbsize() == 1
        c.close()


def test_a_step_budget_is_not_renewed_by_its_commands() -> None:
    budget = Budget(0.5)
    with hostile_redis("echo_store") as port:
        c = client("127.0.0.1", port, "pw", 5.0, budget=budget, decode=False)
        assert c.dbsize() == 1
        time.sleep(0.6)
        with pytest.raises((redis.TimeoutError, redis.ConnectionError)):
            c.dbsize()
        c.close()
