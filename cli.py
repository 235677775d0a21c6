"""`flask zlcp …` commands: migrate, seed, demo data, imports, staff accounts, jobs, serve, css."""

import re
import uuid
from contextlib import contextmanager
from pathlib import Path

import click
import psycopg2
from flask import current_app
from flask.cli import AppGroup
from peewee import SqliteDatabase
from peewee_migrate import Router
from rq import Worker
from werkzeug.serving import run_simple

import jobs
from domain import search
from domain.accounts import create_staff
from domain.patents import import_file, read_rows
from domain.units import import_registry
from infra import assets
from models import db
from seed import import_categories, load_demo, load_reference

zlcp = AppGroup("zlcp", help="ZLCP administration commands.")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def router():
    return Router(db.database, migrate_dir=str(MIGRATIONS), ignore=["basemodel"])


def scratch_postgres(server_url, prefix="zlcp_scratch"):
    """Create an empty PostgreSQL database on the server of `server_url` (tests,
    benchmarks); returns (its URL, a function that drops it)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"

    def admin(sql):
        conn = psycopg2.connect(server_url)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql)
        conn.close()

    admin(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
    return re.sub(r"/[^/]*$", f"/{name}", server_url), lambda: admin(
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    )


def migrate_to_head():
    """Apply every migration not yet applied; returns the names applied."""
    with db.database.connection_context():
        if isinstance(db.database.obj, SqliteDatabase):
            db.database.execute_sql("PRAGMA journal_mode=wal")
        done = router().run()
        if "005_search_index" in done:  # a new, empty search index: fill it
            search.reindex_all()
        return done


@zlcp.command("migrate")
def migrate_command():
    """Create or upgrade the database schema (idempotent)."""
    done = migrate_to_head()
    click.echo(f"已执行迁移：{', '.join(done)}" if done else "数据库已是最新结构。")


@zlcp.command("makemigration")
@click.argument("name")
def makemigration_command(name):
    """Write a new migration from the difference between models.py and the migrations."""
    with db.database.connection_context():
        path = router().create(name, auto="models")
    click.echo(path or "没有变化。")


@zlcp.command("seed")
@click.option("--demo", is_flag=True, help="Also load demo accounts and demo data.")
def seed_command(demo):
    """Load reference data (idempotent); with --demo also demo accounts and data."""
    with db.database.connection_context(), jobs_in_this_process():
        counts = load_reference()
        for name, n in counts.items():
            click.echo(f"  {name}: {n}")
        if demo:
            for line in load_demo():
                click.echo(line)


@contextmanager
def jobs_in_this_process():
    """Without Redis, jobs run in threads of this process. The seed writes many transactions
    one after another, and on SQLite (one writer at a time) a delivery or document job's
    write in between made it fail with "database is locked": here the jobs it queues run
    in turn, after each commit, instead (with Redis they go to the workers as usual)."""
    if jobs.mode() != "thread":
        yield
        return
    configured = current_app.config.get("JOBS_MODE")
    current_app.config["JOBS_MODE"] = "sync"
    try:
        yield
    finally:
        current_app.config["JOBS_MODE"] = configured


@zlcp.command("reindex")
def reindex_command():
    """Rebuild the search index of public products (产品信息查询)."""
    with db.database.connection_context():
        n = search.reindex_all()
    click.echo(f"已重建检索索引：公开产品 {n} 个。")


@zlcp.command("import-categories")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_categories_command(path):
    """Import 统计用产品分类目录 from a CSV (code,name,level,parent_code)."""
    with db.database.connection_context():
        try:
            n = import_categories(path)
        except ValueError as exc:  # bad rows, by line: nothing was loaded
            raise click.ClickException(f"未导入，以下行有错误：\n{exc}") from exc
    click.echo(f"已导入产品分类 {n} 条。")


@zlcp.command("import-patents")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--delta", is_flag=True, help="A legal-status update file (number, legal_status).")
def import_patents_command(path, delta):
    """Import registry patents from CSV or JSONL (format: see patents.py)."""
    total = sum(1 for _ in read_rows(path))
    with db.database.connection_context(), click.progressbar(length=total, label="导入专利") as bar:
        state = {"done": 0}

        def progress(done, _total):
            bar.update(done - state["done"])
            state["done"] = done

        result = import_file(path, delta=delta, progress=progress, total=total)
    click.echo(f"已导入 {result['imported']} 条，法律状态变化 {result['changed']} 条，"
               f"错误 {len(result['errors'])} 条。")
    for line, message in result["errors"][:50]:
        click.echo(f"  第{line}行：{message}")


@zlcp.command("import-registry")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_registry_command(path):
    """Import business-registry entries for 获取工商信息 from a CSV
    (credit_code,name,registered_address,legal_rep,legal_rep_phone)."""
    with db.database.connection_context():
        count, problems = import_registry(path)
    click.echo(f"已导入工商登记信息 {count} 条，错误 {len(problems)} 条。")
    for line, message in problems[:50]:
        click.echo(f"  第{line}行：{message}")


@zlcp.command("css")
def css_command():
    """Write static/css/bootstrap-used.css: the Bootstrap rules the project's pages use."""
    before, after = assets.write_used_css(current_app)
    click.echo(f"{assets.USED_CSS}: {after:,} of Bootstrap's {before:,} bytes")


@zlcp.command("create-staff")
@click.option("--username", required=True)
@click.option("--email", required=True)
@click.option("--name", "full_name", default="")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["reviewer", "officer", "handler", "admin"]))
@click.password_option()
def create_staff_command(username, email, full_name, roles, password):
    """Create a back-office account with one or more roles."""
    with db.database.connection_context():
        user = create_staff(username=username, email=email, password=password,
                            full_name=full_name, roles=roles)
    click.echo(f"已创建工作人员账号 {user.username}（{', '.join(roles)}）。")


@zlcp.command("run-periodic")
def run_periodic_command():
    """Run every periodic job once now."""
    click.echo(jobs.run_periodic_once())


@zlcp.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
def serve_command(host, port):
    """Serve the site with background jobs in process (development and demo)."""
    app = current_app._get_current_object()
    if jobs.mode(app) == "thread":
        jobs.start_in_process_scheduler(app)
    click.echo(f"ZLCP: http://{host}:{port}/  （后台：http://{host}:{port}/admin/）")
    run_simple(host, port, app, threaded=True, use_reloader=False)


@zlcp.command("worker")
@click.option("--queue", "queues", multiple=True, type=click.Choice(jobs.QUEUES),
              help="Serve only these queues (repeatable); default: all, SMS first.")
def worker_command(queues):
    """Production: rq's worker (with its scheduler) inside this app. `make worker` runs one on
    every queue and one on "sms" alone, so codes never wait behind a slow mail server."""
    app = current_app._get_current_object()
    if jobs.mode(app) != "rq":
        raise click.UsageError("需要设置 ZLCP_REDIS_URL")
    names = [name for name in jobs.QUEUES if not queues or name in queues]
    Worker([jobs._queue(name) for name in names], connection=jobs.connection()).work(with_scheduler=True)


def init_app(app):
    app.cli.add_command(zlcp)
