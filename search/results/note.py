"""The study's note in optuna-dashboard: its configuration and test score, readable.

optuna-dashboard shows a study's user attributes as JSON cut at 1,024 characters, so the
configuration and the score stay there for programs, and people read this Markdown rendering of
them at the top of the study's page. A note a user has edited in the dashboard is theirs: it is
never written over.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import optuna
from optuna.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    json_to_distribution,
)

from search.errors import ConfigError
from search.results.score_rows import score_rows, skill_lines, step_rows
from search.store import (
    read_config,
    read_target,
    read_test_score,
    read_versions,
    schema,
    set_study_system_attr,
    study_system_attr,
)


def write_note(study: optuna.Study) -> None:
    """Write the study's note from its attributes, unless a user has edited the note."""
    # Here, not at the top: optuna-dashboard loads its web app (1.5 s), and every worker process
    # imports this module without ever writing a note.
    from optuna_dashboard import get_note, save_note

    body = study_note(study)
    current = get_note(study)
    if current and _digest(current) != study_system_attr(study, schema.NOTE_WRITTEN):
        return
    if current == body:
        return
    save_note(study, body)
    set_study_system_attr(study, schema.NOTE_WRITTEN, _digest(body))


def study_note(study: optuna.Study) -> str:
    """Markdown: what the study searches, how, and the best model's test score."""
    attrs = study.user_attrs
    config = read_config(attrs)
    if config is None:
        raise ConfigError(
            f"study {study.study_name!r} was not made by lstm-search; it has no configuration"
        )
    train, validation, test = (f"{share:.0%}" for share in config.split)
    features = ", ".join(config.features) or "none"
    space = config.space
    searched = any(param["key"] == "seq_len" for param in space["params"])
    window = "the searched length" if searched else f"{config.seq_len} steps"
    settings = [
        ["data", f"{config.data}: target {config.target}, features {features}"],
        ["split", f"train {train}, validation {validation}, test {test} (in time order)"],
        ["horizon", f"{config.horizon} step(s) from an input window of {window}"],
        ["strategy", f"{config.strategy}, pruner {config.pruner}, seed {config.seed}"],
        [
            "training",
            f"{config.arch} LSTM; work budget {config.work_budget or 'none'} "
            f"parameter-windows, at most {config.epochs} epochs per fold, patience "
            f"{config.patience}, {config.folds} fold(s), "
            + (
                f"{seconds:g} s per trial" if (seconds := config.trial_seconds) else "no time limit"
            ),
        ],
        ["trials", f"{read_target(attrs) or '-'} finished trials wanted"],
        ["versions", ", ".join(f"{k} {v}" for k, v in read_versions(attrs).items())],
    ]
    ranges = [
        [param["name"], _range(param["distribution"]), _condition(param["condition"])]
        for param in space["params"]
    ]
    parts = [
        f"## {study.study_name}",
        _markdown(["setting", "value"], settings),
        f"### Search space `{space['name']}`",
        _markdown(["hyperparameter", "values", "when"], ranges),
    ]
    score = read_test_score(attrs)
    if score is not None:
        parts += [
            f"### Test score: {score.windows} held-out windows",
            _markdown(*score_rows(score)),
            "\n".join(f"- {line}" for line in skill_lines(score)),
        ]
        headers, by_step = step_rows(score)
        if len(headers) > 2:
            parts += ["MSE of each horizon step (data units):", _markdown(headers, by_step)]
    return "\n\n".join(parts) + "\n"


def _range(stored: Mapping[str, Any]) -> str:
    distribution = json_to_distribution(json.dumps(stored))
    if isinstance(distribution, CategoricalDistribution):
        return ", ".join(map(str, distribution.choices))
    assert isinstance(distribution, IntDistribution | FloatDistribution)
    text = f"{distribution.low:g} to {distribution.high:g}"
    if distribution.log:
        text += ", log scale"
    if distribution.step not in (None, 1):
        text += f", step {distribution.step:g}"
    return text


def _condition(condition: Sequence[object] | None) -> str:
    return "always" if condition is None else f"{condition[0]} = {condition[1]}"


def _markdown(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = [headers, ["---"] * len(headers), *([_cell(value) for value in row] for row in rows)]
    return "\n".join("| " + " | ".join(map(str, line)) + " |" for line in lines)


def _cell(value: object) -> str:
    text = f"{value:.4g}" if isinstance(value, float) else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()
