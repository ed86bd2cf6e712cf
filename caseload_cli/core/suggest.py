""" "Did you mean …?": one way to suggest a close match, used by every message."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

#: How alike a word must be to be suggested (difflib ratio). One rule everywhere, so
#: the same typo gets the same hint from a header, a code, a scheme key or an option.
CUTOFF = 0.6
#: Codes of up to three characters (s7, s31, eit) differ by one character at a ratio
#: of 0.5, and that one character is the likely typo: 's8' should suggest s7.
SHORT_WORD = 3
SHORT_CUTOFF = 0.5
#: Dotted scheme paths share long prefixes (weights.case_type.…), which inflate the
#: ratio: a new key under a known table would look like a typo of its siblings.
DOTTED_PATH_CUTOFF = 0.85


def close_matches(
    word: str, choices: Iterable[str], n: int = 3, cutoff: float | None = None
) -> list[str]:
    """Up to `n` choices that look like `word`, best first."""
    word = str(word)
    if cutoff is None:
        cutoff = SHORT_CUTOFF if len(word) <= SHORT_WORD else CUTOFF
    return difflib.get_close_matches(word, [str(c) for c in choices], n=n, cutoff=cutoff)


def did_you_mean(
    word: str,
    choices: Iterable[str],
    n: int = 3,
    cutoff: float | None = None,
    quote: bool = False,
) -> str:
    """'did you mean a or b?' for the close matches, or '' when nothing is close."""
    close = close_matches(word, choices, n=n, cutoff=cutoff)
    if not close:
        return ""
    shown = [repr(c) if quote else c for c in close]
    return f"did you mean {' or '.join(shown)}?"
