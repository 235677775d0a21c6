"""Lighthouse (performance, mobile form factor, default simulated throttling) on the public
pages a person opens: the phone page a QR code leads to, the desktop product page, the home
page. The site is the demo (`flask zlcp migrate`, `flask zlcp seed --demo`) on a fresh
database, served by gunicorn (2 sync workers) as bench/load.py serves it; the browser is
Debian's Chromium (apt-get install chromium).

Lighthouse comes from the npm registry (`npm i -E lighthouse@12.2.3`: 13.x wants Node 22) into
a folder outside the git tree, ~/.cache/zlcp-bench/lighthouse-<version>, on the first run.

    .venv/bin/python bench/lighthouse.py [--runs 3] [--database-url postgresql://postgres@127.0.0.1:5432/postgres]
        [--keep-reports DIR]
    make bench-lighthouse   (the same, defaults)

Prints, per page, the performance score (min and median of the runs), CLS, LCP, FCP, TBT
(median), the bytes transferred, and the audits that did not pass.

Target (issue 16): the phone page ≥ 95 performance (mobile), CLS < 0.05.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _scratch import scratch_app
from load import start_gunicorn, stop

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE_VERSION = "12.2.3"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "zlcp-bench" / \
    f"lighthouse-{LIGHTHOUSE_VERSION}"
CHROME = os.environ.get("ZLCP_CHROMIUM", "/usr/bin/chromium")
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-background-networking "
                "--disable-component-update --disable-sync --no-first-run")
METRICS = (("CLS", "cumulative-layout-shift", 1, "{:.3f}"), ("LCP s", "largest-contentful-paint", 1000, "{:.2f}"),
           ("FCP s", "first-contentful-paint", 1000, "{:.2f}"), ("TBT ms", "total-blocking-time", 1, "{:.0f}"),
           ("bytes", "total-byte-weight", 1, "{:,.0f}"))
# Shown as information, not as failures.
NOT_AUDITS = {"cumulative-layout-shift", "largest-contentful-paint", "first-contentful-paint",
              "total-blocking-time", "speed-index", "interactive", "max-potential-fid"}


def lighthouse_cli():
    """The Lighthouse command, installed from the npm registry into CACHE when missing."""
    cli = CACHE / "node_modules" / ".bin" / "lighthouse"
    if not cli.exists():
        if not shutil.which("npm"):
            sys.exit("npm is not installed: apt-get install -y nodejs npm")
        CACHE.mkdir(parents=True, exist_ok=True)
        if not (CACHE / "package.json").exists():
            (CACHE / "package.json").write_text('{"private": true}\n')
        print(f"installing lighthouse@{LIGHTHOUSE_VERSION} into {CACHE}", flush=True)
        subprocess.run(["npm", "i", "-E", f"lighthouse@{LIGHTHOUSE_VERSION}", "--no-audit", "--no-fund"],
                       cwd=CACHE, check=True, stdout=subprocess.DEVNULL)
    return cli


def flask(args, env):
    subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "app:create_app", "zlcp", *args], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL)


def recognised_product_token(app):
    """The token of a demo product the public sees as 已认定, with a main image when one has."""
    from domain.visibility import main_image, view_of
    from models import Product, db
    from workflows import PublicStatus

    with app.app_context(), db.database.connection_context():
        recognised = [p for p in Product.select().order_by(Product.id)
                      if (view := view_of(p)) is not None and view.code == PublicStatus.RECOGNISED]
        if not recognised:
            sys.exit("the demo data has no recognised product")
        with_image = [p for p in recognised if main_image(p) is not None]
        return (with_image or recognised)[0].token


def run_lighthouse(cli, url, report):
    """Lighthouse's JSON report of one page (performance only; mobile and simulated throttling
    are its defaults)."""
    env = {**os.environ, "CHROME_PATH": CHROME}
    subprocess.run([str(cli), url, "--only-categories=performance", "--output=json", f"--output-path={report}",
                    f"--chrome-flags={CHROME_FLAGS}", "--quiet"], env=env, check=True)
    return json.loads(Path(report).read_text())


def failing_audits(lhr, top=6):
    """(id, score, what it says) of the performance audits that did not pass, worst first."""
    ids = {ref["id"] for ref in lhr["categories"]["performance"]["auditRefs"]}
    rows = []
    for audit_id in ids - NOT_AUDITS:
        audit = lhr["audits"][audit_id]
        if audit["scoreDisplayMode"] in ("numeric", "binary", "metricSavings") and audit["score"] is not None \
                and audit["score"] < 0.9:
            rows.append((audit["score"], audit_id, audit.get("displayValue", "")))
    return [(audit_id, score, shown) for score, audit_id, shown in sorted(rows)[:top]]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page")
    parser.add_argument("--database-url", default="", help="a PostgreSQL server URL (scratch database)")
    parser.add_argument("--keep-reports", default="", help="a folder to keep the JSON reports in")
    args = parser.parse_args()
    if not Path(CHROME).exists():
        sys.exit(f"{CHROME} is missing: apt-get install -y chromium")
    cli = lighthouse_cli()
    reports = Path(args.keep_reports or tempfile.mkdtemp(prefix="zlcp-lighthouse-"))
    reports.mkdir(parents=True, exist_ok=True)

    with scratch_app(args.database_url, "zlcp_bench_lighthouse") as (app, kind):
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZLCP_")}
        env.update({"ZLCP_DEVELOPMENT": "true", "ZLCP_DATABASE_URL": app.config["DATABASE_URL"],
                    "ZLCP_INSTANCE_PATH": app.instance_path, "ZLCP_REDIS_URL": "",
                    "ZLCP_MAIL_BACKEND": "file", "ZLCP_MAIL_FILE_PATH": str(Path(app.instance_path) / "mail"),
                    "ZLCP_RATELIMIT_ENABLED": "false"})
        print(f"seeding the demo ({kind})", flush=True)
        flask(["migrate"], env)
        flask(["seed", "--demo"], env)
        token = recognised_product_token(app)
        pages = [("phone page /m/<token>", f"/m/{token}"), ("product page /products/<token>", f"/products/{token}"),
                 ("home /", "/")]
        proc, base = start_gunicorn("app:create_app()", env, ROOT)
        try:
            results = {}
            for name, path in pages:
                urllib.request.urlopen(base + path, timeout=60).read()  # warm: thumbnail, page cache
                results[name] = []
                for n in range(args.runs):
                    slug = path.strip("/").split("/")[0] or "home"
                    results[name].append(run_lighthouse(cli, base + path, reports / f"{slug}-{n + 1}.json"))
                    print(f"  {name} run {n + 1}: {results[name][-1]['categories']['performance']['score'] * 100:.0f}",
                          flush=True)
        finally:
            stop(proc)

    load = os.getloadavg()
    print(f"\nLighthouse {LIGHTHOUSE_VERSION}, mobile, simulated throttling, {args.runs} runs per page; "
          f"{kind}; gunicorn 2 sync workers; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"{'page':<32} {'score min':>9} {'median':>6} " + " ".join(f"{m[0]:>9}" for m in METRICS))
    for name, runs in results.items():
        scores = [lhr["categories"]["performance"]["score"] * 100 for lhr in runs]
        cells = []
        for _label, audit_id, scale, fmt in METRICS:
            cells.append(fmt.format(statistics.median(lhr["audits"][audit_id]["numericValue"] / scale for lhr in runs)))
        print(f"{name:<32} {min(scores):9.0f} {statistics.median(scores):6.0f} " + " ".join(f"{c:>9}" for c in cells))
    for name, runs in results.items():
        failing = failing_audits(runs[-1])
        print(f"\n{name}: audits not passed (last run)" + ("" if failing else ": none"))
        for audit_id, score, shown in failing:
            print(f"  {audit_id:<36} score {score:.2f}  {shown}")
    if args.keep_reports:
        print(f"\nreports: {reports}")
    else:
        shutil.rmtree(reports, ignore_errors=True)


if __name__ == "__main__":
    main()
