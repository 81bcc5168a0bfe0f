"""Evidence weights learned from labelled decisions (``cashmatch rules fit``).

A one-item reading scores ``prior`` plus the weights of its levels
(:func:`cashmatch.match.evidence.weight_keys`), and its confidence is the logistic of that
sum: a logistic regression whose inputs are the weights a reading scored. Given readings
labelled right or wrong, :func:`fit` finds the weights that make the confidences fit the
labels (scikit-learn's ``LogisticRegression``), on part of the movements; the rest is held
back, and each confidence band's precision is measured there with the fitted weights and
with the rules' own, side by side.

The labels come from the store (:func:`store_examples`): every reading the engine showed
or posted (review candidates and automatic applications, each with its evidence) of a
movement that is decided — right when its item is what the movement finally settles (an
automatic application not undone, a person's accept or assign), wrong otherwise, and wrong
when a person ignored the movement or undid the application. Movements that settle several
items are left out (no one-item reading is their answer). Or from a truth file
(:func:`truth_examples`: JSON lines ``{"bank_reference": ..., "expected": {item: amount}}``,
the shape of ``benchmarks/eval``), which labels the same readings by what the file says.

Several-item readings are scored by other weights (``subset_*``): they are not fitted.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cashmatch.config import Rules
from cashmatch.errors import InputError, Location
from cashmatch.match.evidence import confidence_bp, tenths, weight_keys

if TYPE_CHECKING:
    from cashmatch.store import Store

#: The weights a fit sets: those one-item readings score (``prior`` is the intercept).
FITTED = ("prior", "ref_exact", "ref_rf", "ref_number", "ref_tail", "ref_fuzzy",
          "ref_contradicted", "amount_exact", "amount_rounding", "amount_fee",
          "amount_discount", "amount_partial", "amount_over", "amount_mismatch",
          "party_iban", "party_name", "party_name_same", "party_other",
          "date_before_issue", "date_not_due", "period_match", "period_other")
#: Confidence bands the held-back readings are counted in (lower bounds).
BANDS = (Decimal(0), Decimal("0.5"), Decimal("0.8"), Decimal("0.95"), Decimal("0.99"))
#: The fewest right and wrong readings a fit accepts.
MIN_EACH = 30

#: Readings the store holds for each decided movement: review candidates of one item, and
#: automatic applications of one item (undone or not), with the movement's final state.
_READINGS_SQL = """
WITH undone AS (
    SELECT reverses_decision_id AS decision_id FROM cm_decisions
    WHERE reverses_decision_id IS NOT NULL
), final AS (
    SELECT a.movement_id, list(DISTINCT a.item_id ORDER BY a.item_id) AS items
    FROM cm_allocations a JOIN cm_decisions d USING (decision_id)
    WHERE d.action IN ('auto', 'accept', 'assign') AND d.decision_id NOT IN (SELECT * FROM undone)
    GROUP BY a.movement_id
), refused AS (
    SELECT DISTINCT movement_id FROM cm_decisions
    WHERE action IN ('ignore', 'post') AND actor <> 'engine'
      AND decision_id NOT IN (SELECT * FROM undone)
), readings AS (
    SELECT r.movement_id, l.item_id, c.evidence_json, c.candidate_id AS k, FALSE AS undone
    FROM cm_candidates c JOIN cm_review_items r USING (review_id)
    JOIN (SELECT candidate_id, any_value(item_id) AS item_id FROM cm_candidate_lines
          GROUP BY candidate_id HAVING count(*) = 1) l USING (candidate_id)
    UNION ALL
    SELECT d.movement_id, any_value(a.item_id), any_value(d.evidence_json), -d.decision_id,
           d.decision_id IN (SELECT * FROM undone)
    FROM cm_decisions d JOIN cm_allocations a USING (decision_id)
    WHERE d.action = 'auto' AND a.amount_minor <> 0
    GROUP BY d.decision_id, d.movement_id HAVING count(DISTINCT a.item_id) = 1
)
SELECT x.movement_id, m.bank_reference, x.item_id, x.evidence_json, x.undone,
       f.items AS final_items, x.movement_id IN (SELECT movement_id FROM refused) AS refused
FROM readings x JOIN cm_movements m USING (movement_id)
LEFT JOIN final f USING (movement_id)
QUALIFY row_number() OVER (PARTITION BY x.movement_id, x.item_id ORDER BY x.k DESC) = 1
ORDER BY x.movement_id, x.item_id
"""


@dataclass(frozen=True, slots=True)
class Example:
    """One reading: the weights it scored, and whether it was right."""

    movement_id: int
    keys: tuple[str, ...]
    right: bool


@dataclass(frozen=True, slots=True)
class Band:
    """Held-back readings whose confidence lies in ``[low, high)``: how many, how many right."""

    low: Decimal
    high: Decimal
    readings: int
    right: int

    @property
    def precision(self) -> Decimal | None:
        return None if not self.readings else Decimal(self.right) / Decimal(self.readings)


@dataclass(frozen=True, slots=True)
class Fit:
    """What :func:`fit` found: the weights, and the held-back readings' bands with the fitted
    weights and with the rules' own."""

    weights: dict[str, Decimal]
    trained: int
    held_back: int
    fitted_bands: tuple[Band, ...]
    current_bands: tuple[Band, ...]


def _one_item(evidence: dict[str, Any]) -> bool:
    return evidence.get("match_key") != "subset" and evidence.get("amount_level") is not None


def store_examples(store: Store) -> list[Example]:
    """Readings of the decided movements, labelled by what the store says became of them."""
    out = []
    for mid, _, item, ev_json, undone, final, refused in store.rows(_READINGS_SQL):
        evidence = json.loads(ev_json)
        if not _one_item(evidence) or (final is None and not refused and not undone):
            continue  # a movement nobody has decided yet says nothing
        if final is not None and len(final) > 1:
            continue  # several items: no one-item reading is the answer, none is wrong
        right = not undone and not refused and list(final or []) == [item]
        out.append(Example(mid, tuple(weight_keys(evidence)), right))
    return out


def truth_examples(store: Store, truth: Path) -> list[Example]:
    """Readings of the movements a truth file speaks of, labelled by it: right when the
    file's expected items are exactly this reading's item."""
    expected = _read_truth(truth)
    out = []
    for mid, bank_ref, item, ev_json, _, _, _ in store.rows(_READINGS_SQL):
        evidence = json.loads(ev_json)
        if (bank_ref not in expected or not _one_item(evidence)
                or len(expected[bank_ref]) > 1):
            continue
        out.append(Example(mid, tuple(weight_keys(evidence)), expected[bank_ref] == [item]))
    return out


def _read_truth(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Location(str(path)), f"cannot read the truth file: {exc}") from exc
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out[str(row["bank_reference"])] = sorted(row["expected"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(Location(str(path), n),
                             "each line must be a JSON object with bank_reference and "
                             f"expected ({{item: amount}}): {exc}") from exc
    return out


def fit(examples: list[Example], rules: Rules, held_back: float = 0.25,
        seed: int = 1) -> Fit:
    """Fit the weights of :data:`FITTED` on the readings of some movements and measure them
    on the others (``held_back`` of the movements, drawn with ``seed``)."""
    from sklearn.linear_model import LogisticRegression

    right = sum(e.right for e in examples)
    if min(right, len(examples) - right) < MIN_EACH:
        raise InputError(Location("decisions"), f"too few decisions to learn from: {right} "
                         f"right and {len(examples) - right} wrong readings (at least "
                         f"{MIN_EACH} of each)")
    movements = sorted({e.movement_id for e in examples})
    random.Random(seed).shuffle(movements)
    test_ids = set(movements[:max(1, round(len(movements) * held_back))])
    train = [e for e in examples if e.movement_id not in test_ids]
    test = [e for e in examples if e.movement_id in test_ids]
    names = FITTED[1:]
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit(_matrix(train, names), [e.right for e in train])
    weights = {"prior": _rounded(model.intercept_[0])}
    weights.update((n, _rounded(c)) for n, c in zip(names, model.coef_[0], strict=True))
    current = {n: getattr(rules.weights, n) for n in FITTED}
    return Fit(weights, len(train), len(test), _bands(test, weights), _bands(test, current))


def _matrix(examples: list[Example], names: tuple[str, ...]) -> list[list[int]]:
    return [[int(n in e.keys) for n in names] for e in examples]


def _rounded(value: float) -> Decimal:
    """A weight in tenths, as points are kept."""
    return Decimal(round(value * 10)) / 10


def _bands(examples: list[Example], weights: dict[str, Decimal]) -> tuple[Band, ...]:
    counts = [[0, 0] for _ in BANDS]
    for e in examples:
        points = tenths(weights["prior"]) + sum(tenths(weights[k]) for k in e.keys
                                                if k in weights)
        conf = Decimal(confidence_bp(points)) / 10_000
        slot = max(i for i, low in enumerate(BANDS) if conf >= low)
        counts[slot][0] += 1
        counts[slot][1] += e.right
    highs = (*BANDS[1:], Decimal(1))
    return tuple(Band(low, high, n, r) for low, high, (n, r) in zip(BANDS, highs, counts,
                                                                       strict=True))


def rules_text(fitted: Fit, source: str, header: str) -> str:
    """The rules file ``source`` (its text) with the fitted weights in its ``[weights]``
    section (added when it has none), ``header`` (comment lines) on top; everything else as
    it was."""
    out: list[str] = []
    section, done = "", set()
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            if section == "weights":
                out.extend(_missing(fitted, done))
            section = stripped.strip("[]").strip()
        elif section == "weights" and "=" in stripped and not stripped.startswith("#"):
            key = stripped.split("=", 1)[0].strip()
            if key in fitted.weights:
                out.append(f'{key} = "{fitted.weights[key]}"')
                done.add(key)
                continue
        out.append(line)
    if section == "weights":
        out.extend(_missing(fitted, done))
    if not done:
        out.extend(["", "[weights]", *_missing(fitted, done)])
    return "\n".join([*header.splitlines(), *out]) + "\n"


def _missing(fitted: Fit, done: set[str]) -> list[str]:
    keys = [k for k in FITTED if k not in done]
    done.update(keys)
    return [f'{k} = "{fitted.weights[k]}"' for k in keys]


def describe_fit(fitted: Fit) -> list[str]:
    """Lines for a person: the held-back readings per confidence band, fitted and current."""
    lines = [(f"fitted on {fitted.trained} readings, measured on {fitted.held_back} readings "
              "of movements held back"),
             (f"{'confidence':>14} {'fitted: readings':>17} {'precision':>10} "
              f"{'current: readings':>18} {'precision':>10}")]
    for new, cur in zip(fitted.fitted_bands, fitted.current_bands, strict=True):
        lines.append(f"{f'{new.low}-{new.high}':>14} {new.readings:>17} {_pct(new):>10} "
                     f"{cur.readings:>18} {_pct(cur):>10}")
    return lines


def _pct(band: Band) -> str:
    p = band.precision
    return "-" if p is None else f"{p * 100:.2f}%"


def fitted_rules(store: Store, rules: Rules, truth: Path | None = None,
                 held_back: float = 0.25, seed: int = 1) -> tuple[Fit, str]:
    """Fit the weights on the store's decisions (or on ``truth``): the fit, and the text of
    the rules file ``rules`` came from with the fitted weights, the figures in its header."""
    from cashmatch.store import now

    examples = truth_examples(store, truth) if truth else store_examples(store)
    fitted = fit(examples, rules, held_back, seed)
    source = (Path(rules.source).read_text(encoding="utf-8")
              if rules.source != "<built-in defaults>" else "")
    labels = f"the truth file {truth}" if truth else "the store's decisions"
    header = "\n".join([
        f"# Weights fitted by `cashmatch rules fit` on {now():%Y-%m-%d %H:%M}, from {labels}",
        f"# ({len(examples)} readings), starting from {rules.source} (version {rules.version}).",
        "# Held-back precision per confidence band (fitted | the rules' own):",
        *(f"#   {line}" for line in describe_fit(fitted)[1:]),
        "# Adopt them explicitly: run with --rules pointing at this file; every decision",
        "# records the version (digest) of the rules it was taken with.", ""])
    return fitted, rules_text(fitted, source, header)


def fit_rules(store: Store, rules: Rules, out: Path, truth: Path | None = None,
              held_back: float = 0.25, seed: int = 1) -> Fit:
    """:func:`fitted_rules` written to ``out``, which must not be the rules in use: adopting
    them is a person's step, running with ``--rules out``."""
    from cashmatch.config import load_rules

    if out.exists() and rules.source != "<built-in defaults>" and out.resolve() == Path(
            rules.source).resolve():
        raise InputError(Location(str(out)), "will not overwrite the rules in use: write the "
                         "fitted rules to another file and adopt them explicitly")
    fitted, text = fitted_rules(store, rules, truth, held_back, seed)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(Location(str(out)), f"cannot write the rules: {exc.strerror}") from exc
    load_rules(out)  # what was written reads back
    return fitted
