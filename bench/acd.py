"""Routing decisions per second of the pure ACD engine (acd/engine.py), at a given number of agents and
callers in queue: a busy centre's event stream (queue, answer, end, tick, hang-up) replayed in a loop.

    .venv/bin/python bench/acd.py [--agents 60] [--events 20000] [--seed 1]

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
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    cfg = Config()
    state = State(agents={i: Agent(i, "available", frozenset({"urgent"} if i % 5 == 0 else ()), float(i))
                          for i in range(1, args.agents + 1)})
    now, next_call, steps, worst, queue_peak = 0.0, 1, [], 0.0, 0
    for _ in range(args.events):
        now += rnd.expovariate(2.0)
        kind = rnd.random()
        if kind < 0.35:
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
    print(f"agents {args.agents}, events {len(steps)}, peak queue {queue_peak}")
    print(f"routing steps per second: {len(steps) / total:,.0f}")
    print(f"step time: mean {1000 * total / len(steps):.3f} ms, max {1000 * worst:.3f} ms")


if __name__ == "__main__":
    main()
