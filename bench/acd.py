"""Routing decisions per second of the pure ACD engine (acd/engine.py), at a given number of agents and
callers in queue: a busy centre's event stream (queue, answer, end, tick, hang-up) replayed in a loop.

    .venv/bin/python bench/acd.py [--agents 60] [--events 20000] [--arrivals 0.25] [--flows 100]

Prints events per second and the mean/max time of one step; the SIP side (issue 13 step 3) is not measured."""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from acd.engine import (
    Agent,
    AgentSet,
    Answered,
    CallEnded,
    CallerLeft,
    CallerQueued,
    Config,
    State,
    Tick,
    TransitionRefused,
    step,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=60)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--flows", type=int, default=0,
                        help="Also time N database round trips (agent available → ring) on a fresh SQLite file.")
    parser.add_argument("--arrivals", type=float, default=0.25,
                        help="Share of events that are new callers (higher: the queue grows without bound).")
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    cfg = Config()
    state = State(agents={i: Agent(i, "available", frozenset({"urgent"} if i % 5 == 0 else ()), float(i))
                          for i in range(1, args.agents + 1)})
    now, next_call, steps, worst, queue_peak = 0.0, 1, [], 0.0, 0
    for _ in range(args.events):
        now += rnd.expovariate(2.0)
        kind = rnd.random()
        if kind < args.arrivals:
            event = CallerQueued(now, next_call, urgent=rnd.random() < 0.05)
            next_call += 1
        elif kind < 0.55:
            ringing = [a for a in state.agents.values() if a.state == "ringing"]
            pick = rnd.choice(ringing) if ringing else None
            event = Answered(now, pick.call_id, pick.id) if pick else Tick(now)
        elif kind < 0.75:
            talking = [a for a in state.agents.values() if a.state == "on_call"]
            event = CallEnded(now, rnd.choice(talking).id) if talking else Tick(now)
        elif kind < 0.8 and state.callers:
            event = CallerLeft(now, rnd.choice(state.callers).id)
        elif kind < 0.85:
            resting = [a for a in state.agents.values() if a.state == "on_break"]
            event = AgentSet(now, rnd.choice(resting).id, "available") if resting else Tick(now)
        else:
            event = Tick(now)
        started = time.perf_counter()
        try:
            state, _ = step(state, event, cfg)
        except TransitionRefused:
            continue
        spent = time.perf_counter() - started
        steps.append(spent)
        worst = max(worst, spent)
        queue_peak = max(queue_peak, len(state.callers))
    total = sum(steps)
    print(f"agents {args.agents}, events {len(steps)}, arrivals {args.arrivals:.0%}, peak queue {queue_peak}")
    print(f"routing steps per second: {len(steps) / total:,.0f}")
    print(f"step time: mean {1000 * total / len(steps):.3f} ms, max {1000 * worst:.3f} ms")
    if args.flows:
        time_flows(args.flows, args.agents)


def time_flows(rounds: int, agents: int) -> None:
    """Wall time of flows.set_state(available) that rings a waiting caller, through the database."""
    import tempfile

    from acd import flows, phones
    from hotline.context import AppContext
    from hotline.database import make_engine, make_session_factory, upgrade
    from hotline.settings import Settings
    from ticketing.org.auth import hash_password
    from ticketing.org.models import User

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/acd.db"
        upgrade(url)
        engine = make_engine(url)
        ctx = AppContext(settings=Settings(data_dir=Path(tmp), database_url=url, _env_file=None), engine=engine,
                         sessions=make_session_factory(engine))
        with ctx.sessions() as s:
            s.add_all([User(username=f"a{i}", display_name=f"a{i}", role="agent", password_hash=hash_password("x"))
                       for i in range(agents)])
            s.commit()
            ids = [u.id for u in s.query(User).order_by(User.id)]
        for i, uid in enumerate(ids):
            phones.set_phone(ctx, username=f"a{i}", extension=f"{8000 + i}", password="bench-pass-1")
        times = []
        for n in range(rounds):
            uid = ids[n % len(ids)]
            flows.queue_caller(ctx, caller=f"138{n:08d}")
            started = time.perf_counter()
            actions = flows.set_state(ctx, user_id=uid, state="available")["actions"]
            times.append(time.perf_counter() - started)
            assert any(a["action"] == "ring" for a in actions)
            flows.set_state(ctx, user_id=uid, state="logged_out")  # declines: the caller rings the next one
            flows.caller_left(ctx, queue_call_id=actions[-1]["call_id"])
        times.sort()
        print(f"available → ring through SQLite ({agents} agents, {rounds} rounds): median "
              f"{1000 * times[len(times) // 2]:.1f} ms, p95 {1000 * times[int(len(times) * 0.95)]:.1f} ms")
        engine.dispose()


if __name__ == "__main__":
    main()
