"""Perfect-matching feasibility for pairing engines (no rematch allowed).

Pairing a Swiss round must never paint itself into a corner: whatever is paired at the
top must leave the players below pairable without a rematch (FIDE's "completion"
criterion). :func:`pairable` answers that question quickly:

* Dirac's theorem first: if every player may still meet at least half of the others, a
  perfect matching exists (the compatibility graph is Hamiltonian). That settles every
  large field in O(n) because a player has met at most (rounds − 1) others;
* otherwise (small fields, late rounds) Edmonds' blossom algorithm decides exactly.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from typing import Any


def max_matching(n: int, adj: Sequence[Sequence[int]]) -> list[int]:
    """Maximum-cardinality matching of a general graph (Edmonds' blossom, O(V³)).

    :param n: number of vertices ``0..n-1``.
    :param adj: adjacency lists.
    :returns: ``match[v]`` = partner of ``v`` or ``-1``.
    """
    match = [-1] * n
    # A greedy start leaves few augmentations for the expensive part.
    for v in range(n):
        if match[v] == -1:
            for u in adj[v]:
                if match[u] == -1 and u != v:
                    match[v], match[u] = u, v
                    break

    def augmenting_path(root: int) -> tuple[int, list[int]]:
        used = [False] * n
        parent = [-1] * n
        base = list(range(n))
        used[root] = True
        queue = deque([root])

        def lca(a: int, b: int) -> int:
            seen = [False] * n
            while True:
                a = base[a]
                seen[a] = True
                if match[a] == -1:
                    break
                a = parent[match[a]]
            while True:
                b = base[b]
                if seen[b]:
                    return b
                b = parent[match[b]]

        def mark(v: int, b: int, child: int, blossom: list[bool]) -> None:
            while base[v] != b:
                blossom[base[v]] = blossom[base[match[v]]] = True
                parent[v] = child
                child = match[v]
                v = parent[match[v]]

        while queue:
            v = queue.popleft()
            for to in adj[v]:
                if base[v] == base[to] or match[v] == to:
                    continue
                if to == root or (match[to] != -1 and parent[match[to]] != -1):
                    cur = lca(v, to)
                    blossom = [False] * n
                    mark(v, cur, to, blossom)
                    mark(to, cur, v, blossom)
                    for i in range(n):
                        if blossom[base[i]]:
                            base[i] = cur
                            if not used[i]:
                                used[i] = True
                                queue.append(i)
                elif parent[to] == -1:
                    parent[to] = v
                    if match[to] == -1:
                        return to, parent
                    used[match[to]] = True
                    queue.append(match[to])
        return -1, parent

    for root in range(n):
        if match[root] != -1:
            continue
        v, parent = augmenting_path(root)
        # Flip the alternating path from its free end back to the root.
        while v != -1:
            pv = parent[v]
            ppv = match[pv]
            match[v], match[pv] = pv, v
            v = ppv
    return match


def pairable(
    players: Sequence[Any],
    allowed: Callable[[Any, Any], bool],
    met: Callable[[Any], int],
) -> bool:
    """Whether ``players`` can all be paired with no forbidden pair.

    :param allowed: whether two players may meet.
    :param met: an upper bound on how many players one may not meet (usually how many
        opponents they already had), for the Dirac shortcut.
    """
    n = len(players)
    if n == 0:
        return True
    if n % 2:
        return False
    worst = max(met(p) for p in players)
    if n - 1 - worst >= n / 2:
        return True
    adj = [[j for j in range(n) if j != i and allowed(players[i], players[j])] for i in range(n)]
    if min(len(a) for a in adj) >= n / 2:
        return True
    return all(m != -1 for m in max_matching(n, adj))


def perfect_matching(
    players: Sequence[Any], allowed: Callable[[Any, Any], bool]
) -> list[tuple[Any, Any]] | None:
    """Any perfect matching of ``players`` respecting ``allowed`` (``None`` when none exists)."""
    n = len(players)
    adj = [[j for j in range(n) if j != i and allowed(players[i], players[j])] for i in range(n)]
    match = max_matching(n, adj)
    if any(m == -1 for m in match):
        return None
    return [(players[i], players[match[i]]) for i in range(n) if i < match[i]]
