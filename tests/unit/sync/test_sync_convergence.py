"""The proof: hubs, sticks and central converge whatever happens to the sticks.

A hypothesis state machine drives three hubs and central through random work: learners
registered, learning, renamed, moved to another hub and merged; clocks jumping to 1970 and
2040; progress bundles and replies that are duplicated, lost and delivered in any order; hubs
pruning what central acknowledged and being restored from backups. At the end every stick that
is still in a pocket is thrown away and the fleet syncs a few times. Then:

- central holds every event that was not lost with a backup that was never exported;
- every hub shows, for every learner it holds, exactly central's progress and registers;
- every hub's clock issued strictly increasing times, and never fell behind central's signed time.

`SYNC_PROOF_EXAMPLES` sets the number of runs (CI keeps it small; see docs/sync.md for a long run).
"""

from __future__ import annotations

import itertools
import json
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from hubd.sync.derive import derive
from hubd.sync.model import learner_of_key
from tests.unit.sync.sim import Bundle, SimCentral, SimHub

HUBS = 3
WALL_1970 = 0
WALL_2040 = 2_208_988_800_000
WALL_2026 = 1_780_000_000_000
hubs_index = st.integers(0, HUBS - 1)
budgets = st.sampled_from([300, 800, 2_000, 1_000_000])
EXAMPLES = int(os.environ.get("SYNC_PROOF_EXAMPLES", "60"))


class FleetMachine(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.walls = dict.fromkeys(range(HUBS + 1), WALL_2026)
        self.hubs = [SimHub(hub_id=f"{i + 1:02x}" * 16, wall=self._wall(i)) for i in range(HUBS)]
        self.central = SimCentral(wall=self._wall(HUBS))
        self.pocket: list[Bundle] = []  # bundles on sticks (or in flight over HTTP)
        self.backups: dict[int, SimHub] = {}
        self.created: set[str] = set()
        self.lost_with_backup: set[str] = set()
        self.epochs = 1
        self.last_time_seen = [0] * HUBS
        for hub in self.hubs:
            hub.register_learner("Fatou")

    def _wall(self, i: int) -> Any:
        def wall() -> int:
            self.walls[i] += 7
            return self.walls[i]

        return wall

    # Work at the hubs ---------------------------------------------------------------------

    @rule(h=hubs_index, name=st.sampled_from(["Amina", "José", "Оля"]))
    def register(self, h: int, name: str) -> None:
        self.hubs[h].register_learner(name)

    @rule(
        h=hubs_index,
        pick=st.integers(0, 50),
        kind=st.sampled_from(
            ["lesson_started", "lesson_completed", "time_spent", "media_position", "quiz_scored"]
        ),
        n=st.integers(1, 90),
        times=st.integers(1, 4),
    )
    def learn(self, h: int, pick: int, kind: str, n: int, times: int) -> None:
        hub = self.hubs[h]
        learner = sorted(hub.learners)[pick % len(hub.learners)]
        payload: dict[str, Any] = {
            "lesson_started": {},
            "lesson_completed": {},
            "time_spent": {"seconds": n},
            "media_position": {"seconds": n},
            "quiz_scored": {"score": n % 10, "max": 10},
        }[kind]
        for _ in range(times):
            self.created.add(hub.record(learner, kind, payload).event_id)

    @precondition(lambda self: any(hub.learners for hub in self.hubs))
    @rule(h=hubs_index, pick=st.integers(0, 50), name=st.sampled_from(["Ana", "Omar", ""]))
    def rename(self, h: int, pick: int, name: str) -> None:
        hub = self.hubs[h]
        if hub.learners:
            learner = sorted(hub.learners)[pick % len(hub.learners)]
            hub.edit(f"learner/{learner}/display_name", name or None)

    @precondition(lambda self: any(hub.learners for hub in self.hubs))
    @rule(h=hubs_index, pick=st.integers(0, 50), to=hubs_index)
    def move(self, h: int, pick: int, to: int) -> None:
        """A teacher says the child moved to another hub: the record follows."""
        hub = self.hubs[h]
        if hub.learners:
            learner = sorted(hub.learners)[pick % len(hub.learners)]
            hub.edit(f"learner/{learner}/home_hub", self.hubs[to].hub_id)

    @precondition(lambda self: any(len(hub.learners) > 1 for hub in self.hubs))
    @rule(h=hubs_index, a=st.integers(0, 50), b=st.integers(0, 50))
    def merge(self, h: int, a: int, b: int) -> None:
        """A teacher merges two records of the same child; the merge is a register too."""
        hub = self.hubs[h]
        learners = sorted(hub.learners)
        if len(learners) > 1 and a % len(learners) != b % len(learners):
            into, merged = learners[a % len(learners)], learners[b % len(learners)]
            hub.edit(f"learner/{merged}/merged_into", into)

    @rule(h=st.integers(0, HUBS), to=st.sampled_from([WALL_1970, WALL_2040, WALL_2026]))
    def clock_jumps(self, h: int, to: int) -> None:
        self.walls[h] = to

    # Sticks and central -------------------------------------------------------------------

    @rule(h=hubs_index, budget=budgets)
    def hub_writes_stick(self, h: int, budget: int) -> None:
        self.pocket.append(self.hubs[h].export(budget))

    @rule(h=hubs_index, budget=budgets)
    def central_writes_reply(self, h: int, budget: int) -> None:
        self.pocket.append(self.central.reply(self.hubs[h].hub_id, budget))

    @rule(h=hubs_index, budget=budgets)
    def online_round(self, h: int, budget: int) -> None:
        """A hub that is online syncs at once: the same bundles, over HTTP."""
        hub = self.hubs[h]
        self._deliver(hub.export(budget))
        self._deliver(self.central.reply(hub.hub_id, budget))

    @precondition(lambda self: self.pocket)
    @rule(i=st.integers(0, 1000), keep_a_copy=st.booleans())
    def deliver(self, i: int, keep_a_copy: bool) -> None:
        bundle = self.pocket[i % len(self.pocket)]
        if not keep_a_copy:
            self.pocket.remove(bundle)
        self._deliver(bundle)

    @precondition(lambda self: self.pocket)
    @rule(i=st.integers(0, 1000))
    def stick_lost(self, i: int) -> None:
        self.pocket.pop(i % len(self.pocket))

    @rule(h=hubs_index)
    def prune(self, h: int) -> None:
        self.hubs[h].prune()

    @rule(h=hubs_index)
    def backup(self, h: int) -> None:
        self.backups[h] = self.hubs[h].snapshot()

    @precondition(lambda self: self.backups)
    @rule(h=hubs_index)
    def restore(self, h: int) -> None:
        backup = self.backups.get(h)
        if backup is None:
            return
        hub = self.hubs[h]
        self.lost_with_backup |= set(hub.events) - set(backup.events)
        self.epochs += 1
        hub.restore(backup, self.epochs)

    def _deliver(self, bundle: Bundle) -> None:
        if bundle.kind == "progress":
            self.central.ingest(bundle)
            return
        index = next(i for i, hub in enumerate(self.hubs) if hub.hub_id == bundle.recipient)
        if self.hubs[index].apply_reply(bundle):
            time_hlc = int(json_first(bundle)["hlc"])
            self.last_time_seen[index] = max(self.last_time_seen[index], time_hlc)

    # What must always hold ----------------------------------------------------------------

    @invariant()
    def clocks_only_move_forward(self) -> None:
        for i, hub in enumerate(getattr(self, "hubs", [])):
            issued = hub.issued_hlcs
            assert all(a < b for a, b in itertools.pairwise(issued)), "HLC went back"
            assert hub.clock.last >= self.last_time_seen[i], "clock behind central's time"

    def teardown(self) -> None:
        if not hasattr(self, "hubs"):
            return
        self.pocket.clear()
        for _ in range(4):
            for hub in self.hubs:
                self._deliver(hub.export(10_000_000))
            for hub in self.hubs:
                self._deliver(self.central.reply(hub.hub_id, 10_000_000))
        self._check_converged()

    def _check_converged(self) -> None:
        central = self.central
        missing = (self.created - self.lost_with_backup) - central.event_ids
        assert not missing, f"{len(missing)} events never reached central"
        for hub in self.hubs:
            assert set(hub.events) <= central.event_ids, "a hub holds an event central lacks"
            routed = {learner for (target, learner) in central.routes if target == hub.hub_id}
            assert hub.learners <= routed, "a hub holds a learner central did not send it"
            for learner in routed:
                want = derive(central.learner_events(learner))
                got = {k: v for k, v in hub.progress.items() if k[0] == learner}
                assert got == want, f"progress of {learner} differs at hub {hub.hub_id[:4]}"
                assert _about(hub.registers, learner) == _about(central.registers, learner), (
                    f"registers of {learner} differ at hub {hub.hub_id[:4]}"
                )
            for key, value in hub.registers.items():
                if not key.startswith(("learner/", "member/")):
                    assert central.registers.get(key) == value, f"{key} differs at central"


def _about(registers: dict[str, Any], learner: str) -> dict[str, Any]:
    return {k: v for k, v in registers.items() if learner_of_key(k) == learner}


def json_first(bundle: Bundle) -> dict[str, Any]:
    return dict(json.loads(bundle.lines[0]))


FleetMachine.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestFleetConverges = FleetMachine.TestCase
