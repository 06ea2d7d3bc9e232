"""The worker loop: exact counts, failures, interrupts and dead processes, on real SQLite."""

import os
import subprocess
import sys

import optuna
import pytest
from optuna.trial import TrialState

from search.errors import SearchAborted, TrialFailure
from search.run.runner import MAX_CONSECUTIVE_FAILURES, run_trials
from search.store import schema
from search.store.backends import study_lock
from search.store.lease import GRACE_SECONDS, HEARTBEAT_SECONDS, LeaseWatch, renew
from search.store.locks import SQLITE_BUSY_SECONDS
from search.store.optuna_internals import fail_with_reason, pop_waiting_trial
from search.store.slots import fail_dead_trials, owner
from search.store.storage import MAX_RETRIES, RETRY_HISTORY, open_storage, requeue
from search.store.trials import counts
from search.strategies import make_sampler
from search.strategies.grid import MAX_FAILURES
from search.training.hyperparameters import load_search_space

SPACE = load_search_space("small")


def new_study(url: str, strategy: str = "random") -> optuna.Study:
    return optuna.create_study(
        storage=open_storage(url),
        study_name="s",
        load_if_exists=True,
        sampler=make_sampler(strategy, SPACE, 0),
    )


def completed_cells(study: optuna.Study) -> list[int]:
    """The hidden sizes of the study's complete trials, in order."""
    return sorted(t.params["hidden_size"] for t in study.get_trials(states=(TrialState.COMPLETE,)))


def running_trial(study: optuna.Study) -> optuna.Trial:
    """A new trial of the study with its parameters drawn, as a claim leaves it."""
    trial = study.ask()
    SPACE.suggest(trial)
    return trial


def value(trial: optuna.Trial) -> float:
    return float(SPACE.suggest(trial)["hidden_size"])


def test_failed_trials_do_not_count_towards_n(storage_url: str) -> None:
    calls = []

    def sometimes_fails(trial: optuna.Trial) -> float:
        calls.append(trial.number)
        if len(calls) % 3 == 0:
            raise TrialFailure("loss became nan at epoch 1")
        return value(trial)

    study = new_study(storage_url)
    outcome = run_trials(study, sometimes_fails, 6, study_lock(storage_url, "s"))
    assert outcome.finished == 6 and counts(study) == (6, 0)
    failed = study.get_trials(states=(TrialState.FAIL,))
    assert len(failed) == 2
    assert failed[0].user_attrs[schema.FAIL_REASON] == "loss became nan at epoch 1"


def test_too_many_failures_in_a_row_abort_with_the_reason(storage_url: str) -> None:
    def always_fails(trial: optuna.Trial) -> float:
        SPACE.suggest(trial)
        raise TrialFailure("out of memory at batch size 64")

    with pytest.raises(SearchAborted, match="out of memory at batch size 64"):
        run_trials(new_study(storage_url), always_fails, 10, study_lock(storage_url, "s"))
    assert len(new_study(storage_url).trials) == MAX_CONSECUTIVE_FAILURES


def test_interrupted_trial_is_failed_requeued_and_rerun_first(storage_url: str) -> None:
    def interrupted_at_third(trial: optuna.Trial) -> float:
        result = value(trial)
        if trial.number == 2:
            raise KeyboardInterrupt
        return result

    study = new_study(storage_url)
    with pytest.raises(KeyboardInterrupt):
        run_trials(study, interrupted_at_third, 5, study_lock(storage_url, "s"))
    interrupted = study.trials[2]
    assert interrupted.state == TrialState.FAIL
    assert interrupted.user_attrs[schema.FAIL_REASON] == "interrupted"
    waiting = study.get_trials(states=(TrialState.WAITING,))
    assert [t.params for t in waiting] == [interrupted.params]
    assert schema.FAIL_REASON not in waiting[0].user_attrs

    study = new_study(storage_url)
    run_trials(study, value, 5, study_lock(storage_url, "s"))
    assert counts(study) == (5, 0)
    assert study.trials[3].params == interrupted.params  # the requeued trial ran next
    assert not study.get_trials(states=(TrialState.WAITING,))


def running_trial_of_a_dead_process(study: optuna.Study) -> optuna.Trial:
    """A claimed trial whose owner is a process of this host that has exited."""
    trial = running_trial(study)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    study._storage.set_trial_system_attr(
        trial._trial_id, schema.OWNER, {**owner(), "pid": int(dead.stdout), "started": "1"}
    )
    renew(study, trial)
    return trial


def running_elsewhere(study: optuna.Study, host: str) -> optuna.Trial:
    """A trial claimed by a live worker in another pid space (`host`), its lease just renewed."""
    trial = running_trial(study)
    elsewhere = {**owner(), "host": host, "pid": 999_999_999}
    study._storage.set_trial_system_attr(trial._trial_id, schema.OWNER, elsewhere)
    renew(study, trial)
    return trial


class Clock:
    """A monotonic clock the test moves: a worker watching leases for that long."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def judged_dead(study: optuna.Study, url: str, watch: LeaseWatch | None = None) -> list[int]:
    """The trials a claim would fail as dead now (by `watch`, else by a worker's first look)."""
    with study_lock(url, "s").held():
        running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
        return fail_dead_trials(study, running, watch or LeaseWatch())


def test_a_trial_of_this_process_left_running_by_a_cut_off_claim_is_given_back_as_lost(
    storage_url: str,
) -> None:
    # A claim whose write reached the storage while its answer did not (the storage or proxy
    # restarted) leaves a RUNNING trial of this very process, which claims only between trials.
    study = new_study(storage_url)
    trial = running_trial(study)
    study._storage.set_trial_system_attr(trial._trial_id, schema.OWNER, owner(os.getpid()))
    assert judged_dead(study, storage_url) == [trial.number]
    assert study.trials[trial.number].user_attrs[schema.FAIL_REASON] == schema.STORAGE_LOST
    (requeued,) = study.get_trials(states=(TrialState.WAITING,))
    assert requeued.system_attrs[schema.REQUEUED_FROM] == trial.number


def test_trial_of_a_dead_process_is_failed_and_requeued_at_once(storage_url: str) -> None:
    study = new_study(storage_url)
    trial = running_trial_of_a_dead_process(study)
    live = running_trial(study)
    worker = subprocess.Popen(["sleep", "60"])  # another worker of this host, alive
    study._storage.set_trial_system_attr(live._trial_id, schema.OWNER, owner(worker.pid))

    try:
        assert judged_dead(study, storage_url) == [trial.number]
    finally:
        worker.kill()
        worker.wait()
    assert study.trials[trial.number].user_attrs[schema.FAIL_REASON] == "process died"
    assert study.trials[live.number].state == TrialState.RUNNING
    (requeued,) = study.get_trials(states=(TrialState.WAITING,))
    assert requeued.params == study.trials[trial.number].params


def test_requeued_trial_popped_by_a_process_killed_mid_claim_is_requeued(
    storage_url: str,
) -> None:
    study = new_study(storage_url)
    trial = running_trial(study)
    study.tell(trial, state=TrialState.FAIL)
    requeue(study, study.trials[0])
    waiting = study.get_trials(states=(TrialState.WAITING,))
    popped = pop_waiting_trial(study, waiting)  # its claimer died before recording an owner
    assert judged_dead(study, storage_url) == [1]
    assert study._storage.get_trial(popped).state == TrialState.FAIL
    (again,) = study.get_trials(states=(TrialState.WAITING,))
    assert again.params == trial.params


def test_a_running_trial_of_a_plain_optuna_client_is_left_alone(storage_url: str) -> None:
    study = new_study(storage_url)
    plain = optuna.load_study(study_name="s", storage=storage_url)  # no lease, no owner
    plain.ask()
    watch, clock = new_watch()
    assert judged_dead(study, storage_url, watch) == []
    clock.now += 10 * GRACE_SECONDS  # it never renews a lease: it has none
    assert judged_dead(study, storage_url, watch) == []
    assert study.trials[0].state == TrialState.RUNNING


def test_a_trial_of_a_machine_with_the_same_hostname_is_left_to_its_lease(
    storage_url: str,
) -> None:
    study = new_study(storage_url)
    # A cloned machine: same hostname, the same initial pid namespace, another boot.
    boot, namespace = str(owner()["host"]).split("/", 1)
    running_elsewhere(study, f"{boot[::-1]}/{namespace}")
    assert judged_dead(study, storage_url) == []
    assert study.trials[0].state == TrialState.RUNNING


def test_grid_retries_a_failed_cell_up_to_its_limit(storage_url: str) -> None:
    attempts: dict[tuple, int] = {}
    cursed = None

    def first_cell_always_fails(trial: optuna.Trial) -> float:
        nonlocal cursed
        params = tuple(sorted(SPACE.suggest(trial).items()))
        cursed = cursed or params
        attempts[params] = attempts.get(params, 0) + 1
        if params == cursed:
            raise TrialFailure("diverged")
        return 1.0

    study = new_study(storage_url, "grid")
    run_trials(study, first_cell_always_fails, 8, study_lock(storage_url, "s"))
    assert attempts[cursed] == MAX_FAILURES
    assert counts(study) == (8, 0)
    done = [
        tuple(sorted(t.params.items())) for t in study.get_trials(states=(TrialState.COMPLETE,))
    ]
    assert len(done) == len(set(done)) == 8 and cursed not in done


def test_interrupts_never_spend_a_grid_cells_retries(storage_url: str, tmp_path) -> None:
    toml = tmp_path / "two.toml"
    toml.write_text("[hidden_size]\nlow = 4\nhigh = 8\ngrid = [4, 8]\n")
    two_cells = load_search_space(toml)
    study = optuna.create_study(
        storage=open_storage(storage_url),
        study_name="g",
        sampler=make_sampler("grid", two_cells, 0),
    )
    interrupts = MAX_FAILURES + 2

    def interrupted_on_its_last_cell(trial: optuna.Trial) -> float:
        value = float(two_cells.suggest(trial)["hidden_size"])
        if len(study.get_trials(states=(TrialState.COMPLETE,))) == 1 and interrupts_left():
            raise KeyboardInterrupt
        return value

    left = [interrupts]

    def interrupts_left() -> bool:
        left[0] -= 1
        return left[0] >= 0

    for _ in range(interrupts):  # Ctrl-C lands on the same cell, run after run
        with pytest.raises(KeyboardInterrupt):
            run_trials(study, interrupted_on_its_last_cell, 2, study_lock(storage_url, "g"))
    run_trials(study, interrupted_on_its_last_cell, 2, study_lock(storage_url, "g"))
    assert counts(study) == (2, 0)
    assert len(study.get_trials(states=(TrialState.FAIL,))) == interrupts
    assert completed_cells(study) == [4, 8]


def test_a_process_that_dies_on_its_trial_is_retried_a_bounded_number_of_times(
    storage_url: str,
) -> None:
    study = new_study(storage_url)
    trial = running_trial_of_a_dead_process(study)
    with study_lock(storage_url, "s").held():
        for _ in range(MAX_RETRIES + 2):  # its process dies every time (say the kernel kills it)
            running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
            assert len(fail_dead_trials(study, running, LeaseWatch())) == 1
            waiting = study.get_trials(states=(TrialState.WAITING,))
            if not waiting:
                break
            retried = study.ask()  # the requeued trial, claimed by a process that dies too
            assert retried.params == trial.params and retried.user_attrs == {}
    assert len(study.get_trials(states=(TrialState.FAIL,))) == MAX_RETRIES + 1
    assert not study.get_trials(states=(TrialState.WAITING, TrialState.RUNNING))


def test_timeout_stops_claiming_new_trials(storage_url: str) -> None:
    outcome = run_trials(
        new_study(storage_url), value, 50, study_lock(storage_url, "s"), timeout=0.0
    )
    assert outcome.timed_out and outcome.ran == 0


def test_grid_interrupted_at_its_last_cell_resumes_that_cell(storage_url: str, tmp_path) -> None:
    toml = tmp_path / "two.toml"
    toml.write_text("[hidden_size]\nlow = 4\nhigh = 8\ngrid = [4, 8]\n")
    two_cells = load_search_space(toml)

    def study() -> optuna.Study:
        return optuna.create_study(
            storage=open_storage(storage_url),
            study_name="g",
            load_if_exists=True,
            sampler=make_sampler("grid", two_cells, 0),
        )

    def second_interrupted(trial: optuna.Trial) -> float:
        value = float(two_cells.suggest(trial)["hidden_size"])
        if trial.number == 1:
            raise KeyboardInterrupt
        return value

    with pytest.raises(KeyboardInterrupt):
        run_trials(study(), second_interrupted, 2, study_lock(storage_url, "g"))
    resumed = study()
    run_trials(
        resumed,
        lambda t: float(two_cells.suggest(t)["hidden_size"]),
        2,
        study_lock(storage_url, "g"),
    )
    assert completed_cells(resumed) == [4, 8]


def new_watch() -> tuple[LeaseWatch, Clock]:
    clock = Clock()
    return LeaseWatch(clock), clock


def test_a_trial_whose_lease_stopped_changing_fails_with_its_reason_and_restarts_clean(
    storage_url: str,
) -> None:
    study = new_study(storage_url)
    trial = running_elsewhere(study, "another-machine")
    trial.set_user_attr(schema.SEED, 7)
    trial.report(0.5, 1)
    watch, clock = new_watch()
    assert judged_dead(study, storage_url, watch) == []  # a first look judges nothing
    clock.now += GRACE_SECONDS - 1
    assert judged_dead(study, storage_url, watch) == []
    clock.now += 2  # its machine was lost: the lease has not changed for the whole grace
    assert judged_dead(study, storage_url, watch) == [trial.number]
    failed = study.trials[trial.number]
    assert failed.state == TrialState.FAIL
    assert failed.user_attrs[schema.FAIL_REASON].startswith(
        f"lease unchanged for over {GRACE_SECONDS} s"
    )
    (requeued,) = study.get_trials(states=(TrialState.WAITING,))
    assert requeued.params == failed.params
    assert requeued.user_attrs == {}  # none of the dead trial's seed, results or reason


def test_a_renewed_lease_keeps_its_trial_however_long_it_runs(storage_url: str) -> None:
    study = new_study(storage_url)
    trial = running_elsewhere(study, "another-machine")
    watch, clock = new_watch()
    for _ in range(5):  # renewed on time by a machine whose clock says what it likes
        assert judged_dead(study, storage_url, watch) == []
        clock.now += GRACE_SECONDS - 1
        renew(study, trial)
    assert judged_dead(study, storage_url, watch) == []
    assert study.trials[0].state == TrialState.RUNNING


def test_trial_of_another_pid_namespace_is_left_to_its_lease(storage_url: str) -> None:
    study = new_study(storage_url)
    running_elsewhere(study, f"{owner()['host']}-other-container")
    assert judged_dead(study, storage_url) == []
    assert study.trials[0].state == TrialState.RUNNING


def test_a_trial_failed_as_dead_while_its_worker_was_paused_is_dropped_quietly(
    storage_url: str,
) -> None:
    judge = new_study(storage_url)  # another worker, with its own connection

    def paused_past_the_grace_period(trial: optuna.Trial) -> float:
        result = value(trial)
        if trial.number == 1:  # meanwhile the other worker failed and requeued it
            frozen = judge._storage.get_trial(trial._trial_id)
            fail_with_reason(judge, frozen, schema.FAIL_REASON, "lease unchanged")
            requeue(judge, judge._storage.get_trial(trial._trial_id))
            trial.report(result, 1)  # what the training loop does next
        return result

    study = new_study(storage_url)
    outcome = run_trials(study, paused_past_the_grace_period, 4, study_lock(storage_url, "s"))
    assert outcome.finished == 4 and counts(study) == (4, 0)
    dropped = study.trials[1]
    assert dropped.state == TrialState.FAIL
    assert dropped.user_attrs[schema.FAIL_REASON] == "lease unchanged"
    assert [t.params for t in study.trials[2:]].count(dropped.params) == 1  # the copy ran


def test_ctrl_c_while_a_claim_samples_gives_the_slot_back(storage_url: str) -> None:
    class InterruptedSampler(optuna.samplers.RandomSampler):
        def before_trial(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
            raise KeyboardInterrupt

    study = new_study(storage_url)
    study.sampler = InterruptedSampler()
    with pytest.raises(KeyboardInterrupt):
        run_trials(study, value, 3, study_lock(storage_url, "s"))
    (given_back,) = study.trials[:1]
    assert given_back.state == TrialState.FAIL
    assert given_back.user_attrs[schema.FAIL_REASON] == schema.INTERRUPTED
    (waiting,) = study.get_trials(states=(TrialState.WAITING,))
    assert waiting.system_attrs[RETRY_HISTORY] == []  # an interrupt spends no retry


def test_a_lease_held_up_by_another_programs_sqlite_write_lock_is_not_death(
    storage_url: str,
) -> None:
    study = new_study(storage_url)
    running_elsewhere(study, "another-machine")
    watch, clock = new_watch()
    assert judged_dead(study, storage_url, watch) == []
    # Another program held the write lock for the whole busy timeout: the worker's next renewal
    # waited that long, one interval after the last.
    clock.now += SQLITE_BUSY_SECONDS + HEARTBEAT_SECONDS
    assert judged_dead(study, storage_url, watch) == []
    assert study.trials[0].state == TrialState.RUNNING


def test_a_process_killed_between_requeueing_and_failing_its_trial_is_requeued_once(
    storage_url: str,
) -> None:
    study = new_study(storage_url)
    trial = running_trial_of_a_dead_process(study)
    requeue(study, study.trials[0], counted=False)  # the give-back's first write; then killed
    assert judged_dead(study, storage_url) == [0]
    assert study.trials[0].state == TrialState.FAIL
    (waiting,) = study.get_trials(states=(TrialState.WAITING,))
    assert waiting.params == trial.params


def test_trials_judged_dead_while_paused_are_not_the_spaces_failures(storage_url: str) -> None:
    judge = new_study(storage_url)

    def paused_again_and_again(trial: optuna.Trial) -> float:
        result = value(trial)
        if trial.number <= MAX_CONSECUTIVE_FAILURES:
            fail_with_reason(judge, trial._trial_id, schema.FAIL_REASON, "lease unchanged")
            trial.report(result, 1)
        return result

    study = new_study(storage_url)
    outcome = run_trials(study, paused_again_and_again, 2, study_lock(storage_url, "s"))
    assert outcome.finished == 2
    assert len(study.get_trials(states=(TrialState.FAIL,))) == MAX_CONSECUTIVE_FAILURES + 1
