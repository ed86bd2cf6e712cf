"""`code_column` with `likely` values (the staff file's worker IDs) gives the very same
categorical as without: the fast path for ten million case rows changes no result."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from caseload_cli.contract.cases import code_column

POOL = [" W001", "W001 ", "X1", "x1", "", None, "é1", "\tZ9", "zz", "W999", "ÿ", "Ā"]


@pytest.mark.parametrize("seed", range(40))
def test_likely_values_change_nothing(seed):
    rng = random.Random(seed)
    staff = [f"W{i:03d}" for i in range(rng.randint(0, 30))]
    staff += rng.sample(["é1", "Z9", "a", "", "  ", "W001 "], 2)
    likely = pd.Index(pd.unique(pd.Series(staff).str.strip()), dtype="str")
    values = pd.Series([rng.choice(staff + POOL) for _ in range(rng.randint(0, 60))], dtype="str")
    for lower in (False, True):
        plain = code_column(values, lower=lower)
        fast = code_column(values, lower=lower, likely=likely)
        assert list(fast.cat.categories) == list(plain.cat.categories)
        assert np.array_equal(fast.cat.codes.to_numpy(), plain.cat.codes.to_numpy())
        assert fast.dtype == plain.dtype
