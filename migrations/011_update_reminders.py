"""Peewee migrations -- 011_update_reminders.py.

产品备案信息更新 reminders (domain/updates.py, the periodic job "updates.remind"): one row per
unit, year and kind (the window opened, asset info missing, 30 / 7 / 1 days before it closes),
so each reminder goes out once however often the job runs.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    @migrator.create_model
    class UpdateReminder(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        unit = pw.ForeignKeyField(column_name='unit_id', field='id', model=migrator.orm['unit'], on_delete='CASCADE')
        year = pw.IntegerField()
        kind = pw.CharField(max_length=20)

        class Meta:
            table_name = "updatereminder"
            indexes = [(('unit', 'year', 'kind'), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_model('updatereminder')
