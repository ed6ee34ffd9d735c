"""The console's pasted list of entrants, parsed without a database: one per line, an
optional seed, every bad line named, and a good list read back exactly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from podium.tournaments.registration import ENTRANT_NAME_MAX, parse_entrant_lines

pytestmark = pytest.mark.pure

# Letters (accented ones and one whose case folds to two), digits: what names are made of.
NAMES = st.text(alphabet="abcxyzABCXYZéÉßœ0129-", min_size=1, max_size=20).filter(
    lambda n: n.strip(" -") == n)


def test_lines_with_and_without_seeds():
    entrants, errors = parse_entrant_lines("Ada\n\n  Grace , 1\nLinus\t3\n")
    assert errors == []
    assert entrants == [("Ada", None), ("Grace", 1), ("Linus", 3)]


def test_every_bad_line_is_named():
    text = "Ada\nBob, x\nAda\nCy, 2\nDee, 2\n, 4\n" + "E" * (ENTRANT_NAME_MAX + 1)
    entrants, errors = parse_entrant_lines(text)
    assert [e.split(":")[0] for e in errors] == ["line 2", "line 3", "line 5", "line 6",
                                                 "line 7"]
    assert "seed must be a whole number" in errors[0]
    assert "already on line 1" in errors[1] and "seed 2 is already on line 4" in errors[2]
    assert "name is required" in errors[3] and "at most" in errors[4]
    assert entrants == [("Ada", None), ("Cy", 2)]


@given(st.lists(st.tuples(NAMES, st.one_of(st.none(), st.integers(1, 65536))),
                max_size=30, unique_by=(lambda e: e[0].casefold(), )))
def test_a_clean_list_reads_back(rows):
    seen: set[int] = set()
    rows = [(n, s if s is None or s not in seen and not seen.add(s) else None) for n, s in rows]
    text = "\n".join(n if s is None else f"{n}, {s}" for n, s in rows)
    entrants, errors = parse_entrant_lines(text)
    assert errors == []
    assert entrants == rows


@given(st.text(max_size=300))
def test_any_text_parses_without_crashing(text):
    entrants, errors = parse_entrant_lines(text)
    assert all(1 <= len(name) <= ENTRANT_NAME_MAX for name, _seed in entrants)
    names = [n.casefold() for n, _s in entrants]
    assert len(names) == len(set(names))
