"""The venue's big screen (``/tournaments/{id}/screen``) and the tournament page's bracket
fragment: what they show, rendered once per tournament version.

The screen is public (no login), dark, high-contrast and sized for a 1080p screen read
from 3 m; it never scrolls. Instead the tournament is cut into *pages* that fit the
screen, and the page rotates every few seconds (a few lines of inline script; without
script the first page shows). Pages focus on what is being played. Each bracket is drawn
the way its format describes it (:class:`~podium.tournaments.engine.Drawing`, from the
format's ``drawing(stage, bracket)``):

* ``tree`` (elimination brackets: ``winners`` with the ``final`` matches to its right,
  ``losers``; any other bracket as a tree of its own): a window of up to :data:`COLUMNS`
  rounds starting at the earliest live round (up to :data:`TAIL_COLUMNS` more when that
  takes it to the bracket's end), cut vertically into sub-trees of at most
  :data:`ROWS` matches; sub-trees with nothing live are left out while something else is
  live; two small windows share a page;
* ``groups`` (round robin, the groups before playoffs): a table per group with the
  matches of its current round;
* ``rounds`` (Swiss): the current round's matches (live ones first), then the standings;
* ``lobbies`` (free-for-all): the lobbies of the live round with points and placings.

A format that says nothing is drawn as lobbies where its matches have more than two sides,
else as trees. Before the start the screen shows the field and its check-ins; at the end,
the podium. A sidebar shows the calls ("Station 7 — A vs B": matches called to a station),
the next ready matches and the latest results.

The body of the screen is a fragment rendered once per tournament version and variant
(:mod:`podium.tournaments.render_cache`); the page re-fetches it when the tournament's SSE
topic announces a change (``bracket-{id}``), and every minute as a safety net. Query
parameters: ``page`` (fix one page, 1-based), ``bracket`` (only one bracket or group, by
its name), ``rotate`` (seconds per page, 0 to stop; default :data:`ROTATE_SECONDS`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from podium.core.errors import InvalidInput
from podium.core.i18n import N_, _
from podium.tournaments.catalogue import get_tournament
from podium.tournaments.engine import Drawing
from podium.tournaments.formats import formats
from podium.tournaments.matches import LIVE, MAX_MATCH_LIMIT, list_matches, match_dict
from podium.tournaments.matches import standings as current_standings
from podium.tournaments.registration import list_entrants
from podium.tournaments.render_cache import cached_fragment, render_template
from podium.tournaments.labels import source_label
from podium.tournaments.tables import MatchRow

BRACKET_LABELS = {"winners": N_("Winners bracket"), "losers": N_("Losers bracket"),
                  "final": N_("Grand final"), "swiss": N_("Rounds"), "lobbies": N_("Lobbies")}
GROUP_ROWS = 16  # table lines of the groups sharing one screen page
ROWS = 8  # matches per bracket column on one screen page (two names each)
COLUMNS = 5  # rounds side by side on one screen page
TAIL_COLUMNS = 2  # last rounds that widen the window before them instead of paging alone
CARDS_PER_PAGE = 24  # matches of a round per page (3 columns of 8)
STANDINGS_PER_PAGE = 28  # two columns of 14
MAX_STANDINGS_PAGES = 3
LOBBIES_PER_PAGE = 8
ENTRANTS_PER_PAGE = 60
MAX_CALLS = 8
SIDEBAR_LINES = 24
MAX_UP_NEXT = 5
MAX_RESULTS = 4
ROTATE_SECONDS = 12
MAX_ROTATE = 3600
MAX_PAGE = 10_000
BRACKET_PARAM_MAX = 40

# How a format draws a bracket of a stage: its ``drawing(stage, bracket)``, or nothing said.
DrawingOf = Callable[[int, str], Drawing | None]


# --------------------------------------------------------------------------------------
# The tournament page's bracket fragment (cached per version)
# --------------------------------------------------------------------------------------


def bracket_label(bracket: str, has_winners: bool = True) -> str:
    """What people read for a stored bracket name: the elimination brackets', Swiss rounds,
    free-for-all lobbies, a final that ends no winners bracket (a lobby's) as "Final", and
    a group's letter as "Group A"; any other name as it is."""
    if bracket == "final" and not has_winners:
        return _("Final")
    if bracket in BRACKET_LABELS:
        return str(BRACKET_LABELS[bracket])
    if len(bracket) <= 2 and bracket.isalnum():
        return _("Group %(name)s", name=bracket)
    return bracket


def group_bracket(matches: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Matches grouped by bracket, then round, in bracket order (the tournament page)."""
    groups: dict[tuple[int, str], dict[int, list[Mapping[str, Any]]]] = {}
    for m in matches:
        if m["bracket"] == "final" and m["status"] == "skipped":
            continue  # an unneeded grand-final reset is not shown
        groups.setdefault((m["stage"], m["bracket"]), {}).setdefault(m["round"], []).append(m)
    names: dict[int, dict[tuple[str, int], str]] = {}
    for stage in {stage for stage, _b in groups}:
        names[stage] = round_names({b: list(r) for (s, b), r in groups.items() if s == stage})
    single = {stage for stage, _b in groups if (stage, "losers") not in groups}

    def joins(rounds: Mapping[int, list[Any]], n: int) -> bool:
        # Two matches of this round feed one of the next: draw the bracket's connector.
        nxt = rounds.get(n + 1) or []
        return bool(nxt) and len(rounds[n]) == 2 * len(nxt)

    return [
        {"stage": stage, "bracket": bracket,
         "name": (_("Bracket") if bracket == "winners" and stage in single
                  else bracket_label(bracket, (stage, "winners") in groups)),
         "rounds": [{"number": n, "name": names[stage][(bracket, n)],
                     "joins": joins(rounds, n), "fed": (n - 1) in rounds,
                     "live": _is_live(ms),
                     "matches": [{**m, "bye_card": _bye_card(m)} for m in ms]}
                    for n, ms in sorted(rounds.items())]}
        for (stage, bracket), rounds in groups.items()
    ]


def _bye_card(m: Mapping[str, Any]) -> bool:
    """A match nobody plays: a side is a bye (the other goes through). Its card is hidden
    but keeps its place, so the tree's lines still meet the next round."""
    return any(s.get("bye") for s in m["slots"])


#: The columns that explain a standings order, in the order a tournament applies them
#: (the tiebreakers), with what a person reads at the top of each.
TIEBREAK_LABELS = {
    "match_wins": N_("Score"), "game_wins": N_("Games won"),
    "game_difference": N_("Game difference"), "head_to_head": N_("Head-to-head"),
    "buchholz": N_("Buchholz"), "median_buchholz": N_("Median Buchholz"),
    "sonneborn_berger": N_("Sonneborn-Berger"), "difficulty": N_("Difficulty"),
}
#: What formats add to a row and shows on the standings table when present.
EXTRA_LABELS = {"placement": N_("Place"), "group": N_("Group"), "points": N_("Points"),
                "score": N_("Score")}


def standings_columns(rows: Sequence[Mapping[str, Any]]) -> list[tuple[str, Any]]:
    """``(key, label)`` (a lazy translation) of the columns that explain the order of
    ``rows``: what the format ranks by first (score, points...), then its tiebreakers in
    the order it applied them; the score once even when ``match_wins`` is a tiebreaker."""
    if not rows:
        return []
    keys = list(rows[0])
    columns = [(k, EXTRA_LABELS[k]) for k in keys if k in EXTRA_LABELS]
    for k in keys:
        if k in TIEBREAK_LABELS and not (k == "match_wins" and "score" in keys):
            columns.append((k, TIEBREAK_LABELS[k]))
    return columns


def record(row: Mapping[str, Any]) -> str:
    """A row's win–loss(–draw) record ("2–1"), or "" when the format keeps none."""
    if "wins" not in row or "losses" not in row:
        return ""
    text = f"{row['wins']}–{row['losses']}"
    return text + (f"–{row['draws']}" if row.get("draws") else "")


def podium(t: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The podium of a finished tournament: rows ranked 1 to 3, in the standings' order
    (the first is the champion, on the page as on the big screen)."""
    if t["status"] != "finished":
        return []
    return [r for r in rows if r.get("rank") is not None and r["rank"] <= 3]


def number(value: Any) -> str:
    """A standings value as people read it: whole numbers without ``.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if value is not None else ""


async def standing_statuses(app: Any, tournament_id: int) -> dict[int, str]:
    """Entrant id → standings status (``eliminated``, ``champion``, ``advanced``...) of a
    started tournament, computed once per version (the entrants table shows who is out)."""

    async def build(_key: Any) -> str:
        ranked = await current_standings(app.state.plugin_host, tournament_id)
        return msgspec.json.encode({str(r["entrant_id"]): r["status"] for r in ranked
                                    if isinstance(r["entrant_id"], int)}).decode()

    raw = await cached_fragment(app, "statuses", tournament_id, build)
    return {int(k): v for k, v in msgspec.json.decode(raw).items()}


async def bracket_fragment(app: Any, tournament_id: int) -> str:
    """The tournament page's bracket and standings (``#bracket``), rendered once per
    version of the tournament."""

    async def build(_key: Any) -> str:
        t = await get_tournament(tournament_id)
        rows, _total = await list_matches(tournament_id, limit=MAX_MATCH_LIMIT)
        ranked = await current_standings(app.state.plugin_host, tournament_id)
        return render_template(app, "tournaments/partials/bracket.html", {
            "t": t, "bracket": group_bracket(rows), "standings": ranked,
            "columns": standings_columns(ranked), "record": record, "number": number,
            "podium": podium(t, ranked)})

    return await cached_fragment(app, "bracket", tournament_id, build)


# --------------------------------------------------------------------------------------
# Screen pages (pure: match dicts in, pages out)
# --------------------------------------------------------------------------------------


@dataclass
class Column:
    """One round of a bracket window: its title and the matches shown on this page."""

    title: str
    matches: list[Mapping[str, Any]]


@dataclass
class Panel:
    """One block of a screen page. ``kind``: ``tree``, ``group``, ``cards``,
    ``standings``, ``lobbies``, ``entrants``, ``podium``. ``rows`` is its height in
    match rows (to share a page between small panels)."""

    kind: str
    title: str
    rows: int = 1
    columns: list[Column] = field(default_factory=list)
    items: list[Any] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def live(self) -> bool:
        """Whether any match of the panel can be played now."""
        matches = [m for c in self.columns for m in c.matches] + [
            i for i in self.items if isinstance(i, Mapping) and "status" in i]
        return any(m.get("status") in LIVE for m in matches)


@dataclass
class Page:
    """What the screen shows at once: one or more panels (stacked)."""

    id: str
    title: str
    panels: list[Panel]

    @property
    def live(self) -> bool:
        """Whether the page shows a match that can be played now."""
        return any(p.live for p in self.panels)


def _is_live(matches: Iterable[Mapping[str, Any]]) -> bool:
    return any(m["status"] in LIVE for m in matches)


def round_names(rounds: Mapping[str, Iterable[int]]) -> dict[tuple[str, int], str]:
    """The name of every round of an elimination tree: ``rounds`` maps a bracket
    (``winners``, ``losers``, ``final``) to its round numbers.

    A single elimination (no losers bracket, no grand final) ends with "Final",
    "Semi-finals", "Quarter-finals"; a double elimination names its sides ("Winners
    quarter-final", "Losers final") and its "Grand final" (and "Grand final reset").
    Rounds further from the end are numbered ("Round 2", "Losers round 3"). Any other
    bracket's rounds are numbered within it.
    """
    double = bool(rounds.get("winners")) and (bool(rounds.get("losers"))
                                              or bool(rounds.get("final")))
    out: dict[tuple[str, int], str] = {}
    for bracket, numbers in rounds.items():
        ordered = sorted(set(numbers))
        for n in ordered:
            from_end = len(ordered) - 1 - ordered.index(n)
            out[(bracket, n)] = _round_name(bracket, n, from_end, double)
    return out


def _round_name(bracket: str, number: int, from_end: int, double: bool) -> str:
    if bracket == "final" and not double:  # a final of its own (free-for-all's lobby)
        return _("Final") if from_end == 0 else _("Final %(n)s", n=number)
    if bracket == "final":
        return {1: _("Grand final"), 2: _("Grand final reset")}.get(
            number, _("Grand final %(n)s", n=number))
    if bracket == "losers":
        return ([_("Losers final"), _("Losers semi-final")][from_end] if from_end < 2
                else _("Losers round %(n)s", n=number))
    if bracket != "winners":
        return _("Round %(n)s", n=number)
    if double:
        return ([_("Winners final"), _("Winners semi-final"), _("Winners quarter-final")][from_end]
                if from_end < 3 else _("Winners round %(n)s", n=number))
    return ([_("Final"), _("Semi-finals"), _("Quarter-finals")][from_end] if from_end < 3
            else _("Round %(n)s", n=number))


def _slice(matches: Sequence[Mapping[str, Any]], k: int, parts: int) -> list[Mapping[str, Any]]:
    """Part ``k`` of ``parts`` of a round, proportionally: the sub-tree of a bracket whose
    first column is cut in ``parts`` equal pieces (later, smaller rounds repeat the match
    their piece feeds)."""
    m = len(matches)
    if m == 0:
        return []
    if m >= parts:
        return list(matches[k * m // parts:(k + 1) * m // parts])
    return [matches[k * m // parts]]


def tree_panels(section: str, title: str, rounds: Sequence[tuple[str, list[Mapping[str, Any]]]]
                ) -> list[Panel]:
    """The panels of one elimination section: a window of rounds from the earliest live
    one, cut into sub-trees of at most :data:`ROWS` matches (those with something live
    first-class: the others are dropped while any is live)."""
    rounds = [(label, ms) for label, ms in rounds if ms]
    if not rounds:
        return []
    live = [i for i, (_label, ms) in enumerate(rounds) if _is_live(ms)]
    if live:
        start = live[0]
    elif all(m["status"] in ("completed", "skipped") for _l, ms in rounds for m in ms):
        start = max(0, len(rounds) - COLUMNS)  # finished: the last rounds
    else:
        start = 0  # waiting: from the first round
    # Every round from the window's first to the bracket's last is shown: the rounds past
    # the first window of COLUMNS go to windows of their own (pages that rotate), so the
    # last rounds (the losers final, the grand final) are never cut off.
    panels = []
    windows = [rounds[i:i + COLUMNS] for i in range(start, len(rounds), COLUMNS)]
    if len(windows) > 1 and len(windows[-1]) <= TAIL_COLUMNS:
        # A short tail (the losers final) joins the window before it rather than sit alone
        # on a page of its own, away from the rounds that feed it.
        windows[-2:] = [windows[-2] + windows[-1]]
    for w, window in enumerate(windows):
        widest = max(len(ms) for _label, ms in window)
        parts = max(1, math.ceil(widest / ROWS))
        window_panels = []
        for k in range(parts):
            columns = [Column(label, _slice(ms, k, parts)) for label, ms in window]
            suffix = f" · {k + 1}/{parts}" if parts > 1 else ""
            if len(windows) > 1:
                suffix = f" · {window[0][0]} – {window[-1][0]}" + suffix
            rows = max(len(c.matches) for c in columns)
            window_panels.append(Panel("tree", title + suffix, rows=rows, columns=columns,
                                       extra={"section": section, "part": k + 1,
                                              "window": w + 1}))
        if live and parts > 1:
            focused = [p for p in window_panels if p.live]
            window_panels = focused or window_panels
        panels += window_panels
    return panels


def _visible_final(matches: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Drop a grand-final reset that is not needed (skipped: the winners' finalist won the
    first grand final, or nobody reached it)."""
    return [m for m in matches if m["status"] != "skipped"]


def tree_stage_panels(stage_matches: Mapping[str, Sequence[Mapping[str, Any]]],
                      stage_label: str = "") -> list[Panel]:
    """Tree panels of one stage's brackets: winners (with the finals to its right), then
    losers, then any other bracket as a tree of its own (rounds titled by number)."""
    def rounds_of(bracket: str) -> list[tuple[int, list[Mapping[str, Any]]]]:
        by_round: dict[int, list[Mapping[str, Any]]] = {}
        for m in stage_matches.get(bracket, []):
            by_round.setdefault(m["round"], []).append(m)
        return sorted(by_round.items())

    panels: list[Panel] = []
    winners = rounds_of("winners")
    finals = rounds_of("final")
    losers = rounds_of("losers")
    names = round_names({b: [n for n, _ms in rounds_of(b)] for b in stage_matches})
    if winners or finals:
        cols = [(names[("winners", n)], ms) for n, ms in winners]
        cols += [(names[("final", n)], _visible_final(ms)) for n, ms in finals]
        name = _("Winners bracket") if losers else _("Bracket")
        panels += tree_panels("winners", f"{stage_label}{name}", cols)
    if losers:
        losers_name = _("Losers bracket")  # outside the f-string, where pybabel finds it
        panels += tree_panels("losers", f"{stage_label}{losers_name}",
                              [(names[("losers", n)], ms) for n, ms in losers])
    for bracket in stage_matches:
        if bracket not in ("winners", "losers", "final"):
            panels += tree_panels(bracket, f"{stage_label}{bracket}",
                                  [(names[(bracket, n)], ms) for n, ms in rounds_of(bracket)])
    return panels


def group_panels(groups: Mapping[str, Sequence[Mapping[str, Any]]],
                 standings: Sequence[Mapping[str, Any]]) -> list[Panel]:
    """A panel per group: its table and the matches of its current round."""
    panels = []
    for name, matches in groups.items():
        rows = [r for r in standings if r.get("group") == name]
        rows.sort(key=lambda r: (r.get("group_rank") or r.get("rank") or 0))
        live_rounds = sorted({m["round"] for m in matches if m["status"] in LIVE})
        current = live_rounds[0] if live_rounds else max((m["round"] for m in matches),
                                                         default=1)
        round_matches = [m for m in matches if m["round"] == current]
        panels.append(Panel("group", _("Group %(name)s", name=name), rows=len(rows) + 1,
                            items=round_matches,
                            extra={"standings": rows, "round": current,
                                   "rounds": max((m["round"] for m in matches), default=1)}))
    return panels


def _chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    return [list(items[i:i + size]) for i in range(0, len(items), size)] or [[]]


def round_panels(matches: Sequence[Mapping[str, Any]], standings: Sequence[Mapping[str, Any]]
                 ) -> list[Panel]:
    """The current round (live matches first), then the standings: the ``rounds`` drawing
    (Swiss)."""
    panels = []
    if matches:
        current = max(m["round"] for m in matches)
        live_rounds = sorted({m["round"] for m in matches if m["status"] in LIVE})
        if live_rounds:
            current = live_rounds[0]
        round_matches = [m for m in matches if m["round"] == current]
        ordered = ([m for m in round_matches if m["status"] in LIVE]
                   + [m for m in round_matches if m["status"] not in LIVE])
        live_count = sum(1 for m in round_matches if m["status"] in LIVE)
        pages = max(1, math.ceil(live_count / CARDS_PER_PAGE))
        chunks = _chunks(ordered, CARDS_PER_PAGE)[:pages]
        for i, chunk in enumerate(chunks):
            suffix = f" · {i + 1}/{len(chunks)}" if len(chunks) > 1 else ""
            panels.append(Panel("cards", _("Round %(n)s", n=current) + suffix, rows=ROWS, items=chunk))
    panels += standings_panels(standings)
    return panels


def standings_panels(standings: Sequence[Mapping[str, Any]], title: str | None = None
                     ) -> list[Panel]:
    """The standings in pages of :data:`STANDINGS_PER_PAGE` (the top ones only)."""
    if not standings:
        return []
    title = title or _("Standings")
    chunks = _chunks(standings, STANDINGS_PER_PAGE)[:MAX_STANDINGS_PAGES]
    return [Panel("standings", title + (f" · {i + 1}/{len(chunks)}" if len(chunks) > 1 else ""),
                  rows=ROWS, items=chunk, extra={"split": math.ceil(len(chunk) / 2)})
            for i, chunk in enumerate(chunks)]


def lobby_panels(matches: Sequence[Mapping[str, Any]], standings: Sequence[Mapping[str, Any]]
                 ) -> list[Panel]:
    """The lobbies of the live round (else the last), with placings and points: the
    ``lobbies`` drawing (free-for-all)."""
    by_lobby: dict[Any, dict[Any, Mapping[str, Any]]] = {r.get("lobby"): {} for r in standings}
    for r in standings:
        by_lobby[r.get("lobby")][r["entrant_id"]] = r
    live_rounds = sorted({(m["stage"], m["round"]) for m in matches if m["status"] in LIVE})
    rounds = sorted({(m["stage"], m["round"]) for m in matches})
    if not rounds:
        return []
    current = live_rounds[0] if live_rounds else rounds[-1]
    lobbies = [m for m in matches if (m["stage"], m["round"]) == current]
    items = []
    for m in lobbies:
        rows = []
        for s in m["slots"]:
            r = by_lobby.get(m["key"], {}).get(s.get("entrant_id"), {})
            rows.append({**s, "placing": r.get("placing"), "points": r.get("points")})
        if m["status"] == "completed":
            rows.sort(key=lambda r: (r["placing"] is None, r["placing"] or 0))
        items.append({**m, "rows": rows})
    title = (_("Final") if lobbies and lobbies[0]["bracket"] == "final"
             else _("Round %(n)s", n=current[1]))
    return [Panel("lobbies", title + (f" · {i + 1}/{n}" if (n := math.ceil(
        len(items) / LOBBIES_PER_PAGE)) > 1 else ""), rows=ROWS, items=chunk)
        for i, chunk in enumerate(_chunks(items, LOBBIES_PER_PAGE))]


def pack(panels: Sequence[Panel]) -> list[Page]:
    """Pages of panels: consecutive small trees share a page while their rows fit."""
    pages: list[Page] = []
    for panel in panels:
        last = pages[-1] if pages else None
        budget = GROUP_ROWS if panel.kind == "group" else ROWS
        if (last is not None and panel.kind in ("tree", "group")
                and all(p.kind == panel.kind for p in last.panels)
                and sum(p.rows for p in last.panels) + panel.rows <= budget):
            last.panels.append(panel)
            last.title = " · ".join(p.title for p in last.panels)
            continue
        pages.append(Page(f"p{len(pages) + 1}", panel.title, [panel]))
    for page in pages:
        # Stable across versions: the screen keeps showing "the same" page after an update.
        page.id = "-".join(page.panels[0].title.split()).lower()
    return pages


def drawing_of(fmt: object | None) -> DrawingOf:
    """The format's description of how it is drawn (``drawing(stage, bracket)``); a format
    without one (or no format at all) says nothing."""
    said = getattr(fmt, "drawing", None)
    return said if callable(said) else (lambda _stage, _bracket: None)


def _kind(said: object, stage_matches: Iterable[Mapping[str, Any]]) -> Drawing:
    """What the format said, if it is a drawing; else lobbies when the stage has a match
    of more than two sides, else a tree."""
    if isinstance(said, str):  # drawings are strings (a StrEnum); anything else is not one
        try:
            return Drawing(said)
        except ValueError:
            pass
    multi_sided = any(len(m["slots"]) > 2 for m in stage_matches)
    return Drawing.LOBBIES if multi_sided else Drawing.TREE


def stage_panels(stage: int, brackets: Mapping[str, Sequence[Mapping[str, Any]]],
                 standings: Sequence[Mapping[str, Any]], drawing: DrawingOf,
                 stage_label: str = "") -> list[Panel]:
    """The panels of one stage: its brackets grouped by how the format draws them, each
    group drawn together (the elimination brackets of a stage form one tree, its groups
    share the group tables)."""
    every = [m for ms in brackets.values() for m in ms]
    by_kind: dict[Drawing, dict[str, Sequence[Mapping[str, Any]]]] = {}
    for bracket, ms in brackets.items():
        by_kind.setdefault(_kind(drawing(stage, bracket), every), {})[bracket] = ms
    stage_standings = [r for r in standings if r.get("stage", stage) == stage]
    panels: list[Panel] = []
    for kind, chosen in by_kind.items():
        drawn = [m for ms in chosen.values() for m in ms]
        if kind is Drawing.LOBBIES:
            panels += lobby_panels(drawn, standings)
        elif kind is Drawing.ROUNDS:
            panels += round_panels(drawn, standings)
        elif kind is Drawing.GROUPS:
            panels += group_panels(chosen, stage_standings or standings)
        else:
            panels += tree_stage_panels(chosen, stage_label)
    return panels


def screen_pages(t: Mapping[str, Any], matches: Sequence[Mapping[str, Any]],
                 standings: Sequence[Mapping[str, Any]], entrants: Sequence[Mapping[str, Any]],
                 only_bracket: str | None = None, drawing: DrawingOf | None = None
                 ) -> list[Page]:
    """Every page of the screen for a tournament in any format, live pages first.

    ``only_bracket`` keeps one bracket (``winners``, ``losers``, ``final``, a group's name,
    ``swiss``, ``lobbies``) or ``standings``. ``drawing`` is the format's description of
    how each bracket is drawn (:func:`drawing_of`); without it, as for a format that says
    nothing.
    """
    if t["status"] in ("draft", "registration") or not matches:
        field_rows = [e for e in entrants if e["status"] == "registered"]
        chunks = _chunks(field_rows, ENTRANTS_PER_PAGE)
        return pack([Panel("entrants", _("Entrants") + (f" · {i + 1}/{len(chunks)}"
                                                     if len(chunks) > 1 else ""),
                           rows=ROWS, items=chunk) for i, chunk in enumerate(chunks)])
    if only_bracket == "standings":
        return pack(standings_panels(standings))
    if only_bracket:
        matches = [m for m in matches if m["bracket"] == only_bracket]
    stages: dict[int, dict[str, list[Mapping[str, Any]]]] = {}
    for m in matches:
        stages.setdefault(m["stage"], {}).setdefault(m["bracket"], []).append(m)
    label = "Playoffs · " if len(stages) > 1 else ""
    panels: list[Panel] = []
    for stage, brackets in sorted(stages.items()):
        panels += stage_panels(stage, brackets, standings, drawing or drawing_of(None), label)
    if t["status"] == "finished" and standings and not only_bracket:
        panels.insert(0, Panel("podium", _("Final standings"), rows=ROWS, items=list(standings[:8])))
    live = [p for p in panels if p.live]
    rest = [p for p in panels if not p.live]
    return pack(live + rest if live else panels)


def score(m: Mapping[str, Any]) -> list[int] | None:
    """What the screen shows next to each side: the scores of a single game, else the
    games won (two-sided matches with games only)."""
    games = m.get("games") or []
    if len(m["slots"]) != 2 or not games:
        return None
    if len(games) == 1:
        return list(games[0])
    return [sum(1 for g in games if g[0] > g[1]), sum(1 for g in games if g[1] > g[0])]


def _slot_names(m: Mapping[str, Any]) -> str:
    if len(m["slots"]) > 2:  # a free-for-all lobby
        return _("Lobby %(key)s · %(n)s players", key=m["key"], n=len(m["slots"]))
    versus = _("vs")  # outside the f-string, where pybabel finds it
    return f" {versus} ".join(s.get("name") or (source_label(s) if s.get("source") else _("bye"))
                              for s in m["slots"])


def sidebar(matches: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The calls (matches on a station), the next ready matches, the latest results."""
    called = sorted((m for m in matches if m.get("station") is not None
                     and m["status"] not in ("completed", "skipped")),
                    key=lambda m: m["station"])
    up_next = [m for m in matches if m["status"] in ("ready", "needs_replay")
               and m.get("station") is None]
    results = sorted((m for m in matches if m["status"] == "completed"
                      and all(s.get("entrant_id") is not None for s in m["slots"])),
                     key=lambda m: m.get("updated_at") or "", reverse=True)
    # The sidebar never scrolls: calls come first (two lines each), then what fits of the
    # next matches and the latest results (a line each) in SIDEBAR_LINES.
    calls = called[:MAX_CALLS]
    room = SIDEBAR_LINES - 2 * max(1, len(calls))
    shown_next = up_next[:max(0, min(MAX_UP_NEXT, room - 3))]
    room -= len(shown_next) + 3
    shown_results = results[:max(0, min(MAX_RESULTS, room - 1))]
    return {"calls": calls, "more_calls": max(0, len(called) - len(calls)),
            "up_next": shown_next, "more_up_next": max(0, len(up_next) - len(shown_next)),
            "results": shown_results, "vs": _slot_names}


# --------------------------------------------------------------------------------------
# The screen's body (cached per version)
# --------------------------------------------------------------------------------------


def check_bracket(bracket: str | None) -> str | None:
    """The ``bracket`` view option: a bracket's or a group's name (400 otherwise), or
    ``None`` for all."""
    if bracket is None or bracket == "":
        return None
    if len(bracket) > BRACKET_PARAM_MAX or not bracket.replace("_", "").replace("-", "").isalnum():
        raise InvalidInput(_("bracket must be a bracket's or a group's name"), field="bracket")
    return bracket


async def screen_body(app: Any, tournament_id: int, page: int | None, bracket: str | None,
                      rotate: int) -> str:
    """The screen's body (header, pages, sidebar) for these view options, rendered once
    per tournament version."""

    async def build(key: tuple[int, str, int, str]) -> str:
        t = await get_tournament(tournament_id)
        rows = await MatchRow.select().where(MatchRow.tournament == tournament_id).order_by(
            MatchRow.position_index)
        matches = []
        for row in rows:
            data = match_dict(row)
            data["updated_at"] = str(row["updated_at"])
            data["score"] = score(data)
            matches.append(data)
        ranked = await current_standings(app.state.plugin_host, tournament_id)
        entrants = await list_entrants(tournament_id, ("registered",))
        drawing = drawing_of(formats(app.state.plugin_host).get(t["format"]))
        pages = screen_pages(t, matches, ranked, entrants, bracket, drawing)
        total = len(pages)
        fixed = None
        if page is not None and pages:
            fixed = min(page, total)  # past the end: the last page
            pages = [pages[fixed - 1]]
        return render_template(app, "tournaments/partials/screen_body.html", {
            "t": t, "pages": pages, "total_pages": total, "fixed_page": fixed,
            "rotate": 0 if page is not None else rotate, "version": key[2],
            "checked_in": sum(1 for e in entrants if e["checked_in"]),
            "entrant_count": len(entrants), **sidebar(matches),
        })

    return await cached_fragment(app, "screen", tournament_id, build, page, bracket, rotate)
