"""Track-meet programme scheduling: the Worlds 2022 shape and a national championship.

Pure computation (no database): the problems come from
``podium.plugins.cycling.scheduler.programmes`` (built from discipline tables and field
sizes), the schedulers from the cycling plugin.

    .venv/bin/python bench/bench_programme.py                 # 3 runs each, 3 s limit
    .venv/bin/python bench/bench_programme.py --runs 1 --time-limit 10

For each problem it prints its size (phases, competitions, heats, track hours against the
sessions' hours), then for the greedy and the CP-SAT scheduler, per run: wall time, the
status, phases placed, the objective (the weighted cost of unmet wishes plus session
minutes, lower is better; see ``SoftWeights``), soft wishes met, and whether every hard
rule holds (checked by the tests' independent checker). Then the unmet wishes of the last
CP-SAT run, as organisers would read them.

Goal: the Worlds programme scheduled (status optimal or feasible) in at most 3 s of wall
time on 2 cores. CP-SAT stops at ``--time-limit`` (the time spent preparing included) and
reports ``feasible`` when it had no time to prove its schedule optimal. Wall time on a
shared machine moves with the load average, printed first. Figures are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from podium.core.venue.contracts import ProgrammeProblem, ProgrammeScheduler, Schedule
from podium.plugins.cycling.scheduler import CpSatScheduler, GreedyScheduler
from podium.plugins.cycling.scheduler.model import prepare
from podium.plugins.cycling.scheduler.programmes import national_championship, worlds_2022

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.plugins.cycling.schedule_rules import violations  # noqa: E402


def load() -> str:
    """The load average, to read wall times against."""
    try:
        return ", ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        return "n/a"


def describe(name: str, problem: ProgrammeProblem) -> None:
    """Print the size of a problem."""
    pre = prepare(problem)
    track = sum(pre.occupancy(p) + problem.changeover_minutes for p in range(len(pre.phases)))
    hours = sum(e - s for s, e in zip(pre.session_start, pre.session_end))
    print(f"\n{name}: {len(problem.phases)} phases, "
          f"{len({p.competition for p in problem.phases})} competitions, "
          f"{sum(len(p.heats) for p in problem.phases)} heats, {len(problem.sessions)} sessions "
          f"over {len(set(pre.session_day))} days; track {track / 60:.1f} h "
          f"(changeovers and ceremonies included) of {hours / 60:.1f} h of sessions; "
          f"{len(pre.shares_rider)} pairs of phases share riders")


def run(scheduler: ProgrammeScheduler, problem: ProgrammeProblem) -> tuple[float, Schedule]:
    """One schedule and its wall time."""
    start = time.perf_counter()
    schedule = scheduler.schedule(problem)
    return time.perf_counter() - start, schedule


def report(label: str, problem: ProgrammeProblem, results: list[tuple[float, Schedule]]) -> None:
    """One line per run and the median time."""
    for n, (seconds, schedule) in enumerate(results, start=1):
        broken = violations(problem, schedule)
        print(f"  {label:<7} run {n}: {seconds:6.2f} s  {schedule.status:<10} placed "
              f"{len(schedule.placements)}/{len(problem.phases)}  objective "
              f"{schedule.objective if schedule.objective is not None else '-':>8}  wishes met "
              f"{schedule.wishes_met}/{schedule.wishes}  hard rules "
              f"{'kept' if not broken else f'BROKEN ({len(broken)})'}")
    times = [seconds for seconds, _ in results]
    print(f"  {label:<7} median {statistics.median(times):.2f} s, max {max(times):.2f} s")


def bench(name: str, build: Callable[[float], ProgrammeProblem], time_limit: float, runs: int) -> None:
    """Schedule one problem with both schedulers, ``runs`` times each."""
    problem = build(time_limit)
    describe(name, problem)
    report("greedy", problem, [run(GreedyScheduler(), problem) for _ in range(runs)])
    results = [run(CpSatScheduler(), problem) for _ in range(runs)]
    report("cp_sat", problem, results)
    last = results[-1][1]
    if last.explanations:
        print(f"  what the last CP-SAT schedule does not meet ({len(last.explanations)}):")
        for explanation in last.explanations:
            print(f"    - {explanation.text}")


def main() -> None:
    """Parse the arguments and run the benches."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=3.0,
                        help="CP-SAT's limit per schedule, in seconds (default 3)")
    args = parser.parse_args()
    print(f"load average: {load()}; {os.cpu_count()} CPUs; CP-SAT with 2 workers")
    start = time.perf_counter()
    import ortools.sat.python.cp_model  # noqa: F401

    print(f"importing OR-Tools (once per process, the first schedule pays it): "
          f"{time.perf_counter() - start:.2f} s")
    bench("Worlds 2022 (22 events, men and women elite)", lambda t: worlds_2022(time_limit_s=t),
          args.time_limit, args.runs)
    bench("National championship (4 categories)", lambda t: national_championship(time_limit_s=t),
          args.time_limit, args.runs)


if __name__ == "__main__":
    main()
