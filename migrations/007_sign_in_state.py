"""Peewee migrations -- 007_sign_in_state.py.

Sign-in state kept on the server instead of in the session cookie, which a visitor can save
and send again:
- `loginsession`: one row per signed-in browser; the cookie names it by a token (hashed
  here) and opens pages only while the row is live, so signing out, a password reset or an
  administrator's change of the account ends a saved cookie for good;
- `signinfailure`: wrong answers counted per name: the passwords tried for a name no account
  has (answered exactly as an account's are) and a staff account's authenticator codes;
- `captcha`: an image captcha waiting for its one answer when Redis is not configured.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    @migrator.create_model
    class LoginSession(pw.Model):
        token_hash = pw.CharField(max_length=64, primary_key=True)
        created_at = pw.DateTimeField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        ip = pw.CharField(default='', max_length=64)
        ended_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "loginsession"

    @migrator.create_model
    class SignInFailure(pw.Model):
        key = pw.CharField(max_length=80, primary_key=True)
        created_at = pw.DateTimeField()
        failures = pw.IntegerField(default=0)
        locked_until = pw.DateTimeField(null=True)

        class Meta:
            table_name = "signinfailure"

    @migrator.create_model
    class Captcha(pw.Model):
        token = pw.CharField(max_length=64, primary_key=True)
        created_at = pw.DateTimeField()
        answer_hash = pw.CharField(max_length=64)
        expires_at = pw.DateTimeField(index=True)

        class Meta:
            table_name = "captcha"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_model('captcha')
    migrator.remove_model('signinfailure')
    migrator.remove_model('loginsession')
