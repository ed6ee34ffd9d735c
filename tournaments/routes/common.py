"""What the tournament routes share: the role guards, the path parameter type of ids, and
the parsing of what page forms send."""

from __future__ import annotations

from typing import Annotated

from litestar.datastructures import FormMultiDict
from litestar.params import PathParameter

from podium.core.accounts.auth import requires_role
from podium.core.errors import InvalidInput
from podium.core.i18n import _
from podium.core.venue.service import MAX_ID
from podium.tournaments.play import MAX_GAME_NUMBERS

ORGANISER = [requires_role("organiser")]
SIGNED_IN = [requires_role()]
Id = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
# Longer than any username can be: such a name is refused before any query.
PLAYER_NAME_MAX = 40
TRUE_WORDS = ("on", "1", "true", "yes")


def winner_choice(form: FormMultiDict) -> tuple[int | None, bool]:
    """The winner an organiser chose in a result form (``winner_id``; ``none`` = nobody,
    a double forfeit; ``draw`` = no winner, where the format allows draws) and the forfeit
    flag. An empty choice is refused: a result form has no default winner, so nothing is
    recorded that nobody chose."""
    if str(form.get("winner_id", "") or "").strip() == "none":
        return None, True
    winner = winner_or_draw(form, _("choose the winner (or nobody, a double forfeit)"))
    return winner, winner is not None and form_flag(form, "forfeit")


def winner_or_draw(form: FormMultiDict, refusal: str) -> int | None:
    """The winner chosen in a result or report form's ``winner_id``, or ``None`` for
    ``draw`` (offered where the format allows draws; the format refuses it elsewhere);
    ``refusal`` (422) when nothing was chosen."""
    if str(form.get("winner_id", "") or "").strip() == "draw":
        return None
    return chosen_entrant(form, refusal)


def chosen_entrant(form: FormMultiDict, refusal: str, name: str = "winner_id") -> int:
    """The entrant id chosen in a form's ``name`` field; ``refusal`` (422) when nothing
    (or something that is no id) was chosen."""
    raw = str(form.get(name, "") or "").strip()
    if not raw.isdigit() or len(raw) > 10:
        raise InvalidInput(refusal, field=name)
    return int(raw)


def check_player_name(username: str) -> str:
    """A player name from a URL, refused (400) when it cannot be a username."""
    if len(username) > PLAYER_NAME_MAX or "\x00" in username:
        raise InvalidInput(_("no such player name"), field="username")
    return username


def parse_games(raw: str) -> list[list[int]]:
    """``"2-1, 0-2"`` → ``[[2, 1], [0, 2]]`` (scores in the match's slot order); a lobby's
    game is every player's place in slot order (``"1-3-2-4"``): the format checks that a
    game has as many numbers as its match has players."""
    games = []
    for part in (raw or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        bits = part.replace(":", "-").split("-")
        if not 2 <= len(bits) <= MAX_GAME_NUMBERS or not all(
                b.strip().isdigit() and len(b.strip()) < 7 for b in bits):
            raise InvalidInput(_("write each game as two scores like 2-1 (in a lobby, each "
                                 "player's place like 1-3-2-4), got %(part)s",
                                 part=f"{part[:20]!r}"), field="games")
        games.append([int(b) for b in bits])
    return games


def form_flag(form: FormMultiDict, name: str) -> bool:
    """A checkbox or a ``1``/``true`` field of a form."""
    return str(form.get(name, "")).lower() in TRUE_WORDS
