"""Tables of the ticket ledger.

The log is append-only: entries, tiles and checkpoints are inserted, never changed, except
the rightmost (partial) tile of each level, which grows until it is full, and the one head
row, which every append locks (one writer at a time across workers and processes).
"""

from piccolo.columns import BigInt, Bytea, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class LedgerHead(Table, tablename="ledger_head"):
    """The log's one head row: what the latest checkpoint signed.

    ``name`` is always ``head`` (unique: the row is created once, with ``INSERT ... ON
    CONFLICT DO NOTHING``). ``log_id`` is random per log, so a worker's cached tree notices
    a database that was replaced. ``origin`` is fixed when the log starts.
    """

    id: Serial

    name = Varchar(length=10, unique=True)
    log_id = Varchar(length=32)
    origin = Varchar(length=255)
    size = BigInt(default=0)
    root_hash = Varchar(length=64)
    updated_at = Timestamptz()


class LedgerKey(Table, tablename="ledger_key"):
    """The checkpoint signing key (Ed25519), generated on first use; ``name`` is the
    log's origin. Every worker signs with the same key because it lives here."""

    id: Serial

    name = Varchar(length=255, unique=True)
    key_id = Varchar(length=8)
    private_key = Text()  # base64 of the 32-byte seed
    public_key = Text()  # base64 of the 32-byte public key
    created_at = Timestamptz()


class LedgerEntry(Table, tablename="ledger_entry"):
    """One log entry: its index (leaf number), idempotency key and canonical JSON."""

    id: Serial

    idx = BigInt(unique=True)
    src = Text(unique=True)
    kind = Varchar(length=20)
    venue_event_id = Integer(null=True, default=None, index=True)
    body = Text()
    leaf_hash = Varchar(length=64)
    created_at = Timestamptz()


class LedgerTicketEntry(Table, tablename="ledger_ticket_entry"):
    """Which entries mention which ticket (an order's ``paid`` entry names several)."""

    id: Serial

    ticket_id = Text(index=True)
    idx = BigInt()


class LedgerTile(Table, tablename="ledger_tile"):
    """A hash tile (``c2sp.org/tlog-tiles``): ``width`` hashes of 32 bytes. ``key`` is
    ``<level>/<index>``; a partial tile grows in place until it holds 256."""

    id: Serial

    key = Varchar(length=40, unique=True)
    level = Integer()
    idx = BigInt()
    width = Integer()
    hashes = Bytea()


class LedgerCheckpoint(Table, tablename="ledger_checkpoint"):
    """Every checkpoint the log signed, with why (a batch of entries, doors open...)."""

    id: Serial

    size = BigInt(index=True)
    root_hash = Varchar(length=64)
    note = Text()
    reason = Varchar(length=200)
    created_at = Timestamptz(index=True)
