"""`case_weights` weighs each kind of case once: the very weights `weigh_cases` gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from caseload_cli.engine import weigh
from caseload_cli.engine.weigh import case_weights, weigh_cases
from caseload_cli.scheme.model import load_scheme


def cases(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    types = ["s7", "s31", "r16_4", "addendum", "epo", "dols", "adoption", "wtfh", "odd"]
    stages = ["wafh", "wtfh", "duty", "allocation_hub", "post_assessment_hub"]
    type_codes = rng.integers(-1, len(types), n)  # -1: no code; "odd": no weight
    return pd.DataFrame(
        {
            "case_type": pd.Categorical.from_codes(type_codes, types),
            "stage": pd.Categorical.from_codes(rng.integers(-1, len(stages), n), stages),
            "children": rng.integers(0, 12, n),
            "domestic_abuse": rng.random(n) < 0.2,
            "interpreter": rng.random(n) < 0.1,
        }
    )


@pytest.mark.parametrize(
    "overrides",
    [
        (),
        ("weights.children.max_additional=5", "weights.cross.s7.wafh=1.3"),
        ("weights.stage.duty=0.35", "weights.children.per_additional=0.1"),
    ],
)
def test_each_kind_once_gives_every_case_its_weight(overrides):
    scheme = load_scheme("weighted-example", list(overrides))
    frame = cases(20_000, len(overrides))
    expected = weigh_cases(frame, scheme)["weight"].to_numpy()
    assert case_weights(frame, scheme).tobytes() == expected.tobytes()
    assert case_weights(frame.iloc[:0], scheme).size == 0


def test_too_many_kinds_weighs_every_case(monkeypatch):
    scheme = load_scheme("weighted-example")
    frame = cases(500, 3)
    monkeypatch.setattr(weigh, "MAX_KINDS", 10)
    expected = weigh_cases(frame, scheme)["weight"].to_numpy()
    assert case_weights(frame, scheme).tobytes() == expected.tobytes()
