"""One did-you-mean rule for every message."""

from __future__ import annotations

import pytest

from caseload_cli.core.suggest import close_matches, did_you_mean


@pytest.mark.parametrize(
    ("word", "choices", "expected"),
    [
        ("s8", ["s7", "s31", "wtfh"], "did you mean s7?"),  # a short code: one character off
        ("s3", ["s7", "s31"], "did you mean s31 or s7?"),
        ("colums", ["columns", "values"], "did you mean columns?"),  # not 'values' at 0.5
        ("team", ["name", "worker_id"], ""),  # a long word needs more than half alike
        ("zzz", ["flat", "per-child"], ""),
    ],
)
def test_did_you_mean(word, choices, expected):
    assert did_you_mean(word, choices) == expected


def test_quote_and_explicit_cutoff():
    assert did_you_mean("flta", ["flat"], quote=True) == "did you mean 'flat'?"
    assert close_matches("abcdex", ["abcdef"]) == ["abcdef"]  # ratio 0.83
    assert close_matches("abcdex", ["abcdef"], cutoff=0.85) == []
