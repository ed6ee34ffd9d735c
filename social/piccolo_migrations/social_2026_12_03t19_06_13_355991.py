from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt
from piccolo.columns.column_types import Integer
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T19:06:13:355991"
VERSION = "1.38.0"
DESCRIPTION = "rank buckets: a tree of fan counts over the board order"

# The sums of a rank read (board, level, bucket) with the counts in the index; then the
# buckets filled from the board rows already there (a copy of
# podium.social.leaderboard.recount_rank_buckets_sql as it stood: a migration is frozen).
AFTER_TABLES = (
    "CREATE INDEX IF NOT EXISTS social_rank_bucket_range ON social_rank_bucket "
    "(board, level, bucket, fans)",
    "INSERT INTO social_rank_bucket (slot, board, level, bucket, fans) SELECT board || '|40|' || CAST(b AS VARCHAR), board, 40, b, COUNT(*) FROM (SELECT board, ((CASE WHEN points >= 1073741823 THEN 0 WHEN points <= 0 THEN 4611686018427387903 ELSE CAST(1073741823 - points AS BIGINT) * 4294967296 + (CASE WHEN reached - 1577836800 > 4294967295 THEN 4294967295 WHEN reached < 1577836800 THEN 0 ELSE reached - 1577836800 END) END) >> 40) AS b FROM social_board_score) AS coded GROUP BY board, b",
    "INSERT INTO social_rank_bucket (slot, board, level, bucket, fans) SELECT board || '|32|' || CAST(b AS VARCHAR), board, 32, b, COUNT(*) FROM (SELECT board, ((CASE WHEN points >= 1073741823 THEN 0 WHEN points <= 0 THEN 4611686018427387903 ELSE CAST(1073741823 - points AS BIGINT) * 4294967296 + (CASE WHEN reached - 1577836800 > 4294967295 THEN 4294967295 WHEN reached < 1577836800 THEN 0 ELSE reached - 1577836800 END) END) >> 32) AS b FROM social_board_score) AS coded GROUP BY board, b",
    "INSERT INTO social_rank_bucket (slot, board, level, bucket, fans) SELECT board || '|24|' || CAST(b AS VARCHAR), board, 24, b, COUNT(*) FROM (SELECT board, ((CASE WHEN points >= 1073741823 THEN 0 WHEN points <= 0 THEN 4611686018427387903 ELSE CAST(1073741823 - points AS BIGINT) * 4294967296 + (CASE WHEN reached - 1577836800 > 4294967295 THEN 4294967295 WHEN reached < 1577836800 THEN 0 ELSE reached - 1577836800 END) END) >> 24) AS b FROM social_board_score) AS coded GROUP BY board, b",
    "INSERT INTO social_rank_bucket (slot, board, level, bucket, fans) SELECT board || '|16|' || CAST(b AS VARCHAR), board, 16, b, COUNT(*) FROM (SELECT board, ((CASE WHEN points >= 1073741823 THEN 0 WHEN points <= 0 THEN 4611686018427387903 ELSE CAST(1073741823 - points AS BIGINT) * 4294967296 + (CASE WHEN reached - 1577836800 > 4294967295 THEN 4294967295 WHEN reached < 1577836800 THEN 0 ELSE reached - 1577836800 END) END) >> 16) AS b FROM social_board_score) AS coded GROUP BY board, b",
    "INSERT INTO social_rank_bucket (slot, board, level, bucket, fans) SELECT board || '|8|' || CAST(b AS VARCHAR), board, 8, b, COUNT(*) FROM (SELECT board, ((CASE WHEN points >= 1073741823 THEN 0 WHEN points <= 0 THEN 4611686018427387903 ELSE CAST(1073741823 - points AS BIGINT) * 4294967296 + (CASE WHEN reached - 1577836800 > 4294967295 THEN 4294967295 WHEN reached < 1577836800 THEN 0 ELSE reached - 1577836800 END) END) >> 8) AS b FROM social_board_score) AS coded GROUP BY board, b",
)


class _TablesThenStatements(MigrationManager):
    """Piccolo runs ``add_raw`` steps before adding tables, so these come after."""

    async def run(self, backwards: bool = False) -> None:
        await super().run(backwards=backwards)
        if not backwards and not self.preview:
            from piccolo.engine import engine_finder

            engine = engine_finder()
            assert engine is not None
            for statement in AFTER_TABLES:
                await engine.run_ddl(statement)


async def forwards():
    manager = _TablesThenStatements(
        migration_id=ID, app_name="social", description=DESCRIPTION
    )

    manager.add_table(
        class_name="RankBucket",
        tablename="social_rank_bucket",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="RankBucket",
        tablename="social_rank_bucket",
        column_name="slot",
        db_column_name="slot",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 180,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": True,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="RankBucket",
        tablename="social_rank_bucket",
        column_name="board",
        db_column_name="board",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 120,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="RankBucket",
        tablename="social_rank_bucket",
        column_name="level",
        db_column_name="level",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="RankBucket",
        tablename="social_rank_bucket",
        column_name="bucket",
        db_column_name="bucket",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="RankBucket",
        tablename="social_rank_bucket",
        column_name="fans",
        db_column_name="fans",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
