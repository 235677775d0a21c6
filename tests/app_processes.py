"""The app in processes of its own, for what the test process cannot show: several gunicorn
workers sharing (or not) their rate-limit counts, a database or a Redis that does not answer,
a proxy in front. Every process gets its settings as ZLCP_* variables, as in production, and
the test app's database unless told otherwise; only 127.0.0.1 is ever reached."""

import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(app, **settings):
    """The environment of a process running the app on the test app's database and files, with
    `settings` (a value that is not a string is passed as JSON, as ZLCP_* variables are read)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZLCP_")}
    env.update({
        "ZLCP_DEVELOPMENT": "true",  # config.toml's example secrets are fine here
        "ZLCP_DATABASE_URL": app.config["DATABASE_URL"],
        "ZLCP_INSTANCE_PATH": app.instance_path,
        "ZLCP_REDIS_URL": "",
        "ZLCP_CAPTCHA_ENABLED": "false",
        "ZLCP_WTF_CSRF_ENABLED": "false",
        "ZLCP_PAGE_CACHE_SECONDS": "0",
    })
    env.update({f"ZLCP_{name}": value if isinstance(value, str) else json.dumps(value)
                for name, value in settings.items()})
    return env


def run_app(env, script, timeout=90):
    """Run `script` in a new process after `app = create_app(); client = app.test_client()`;
    the script prints one JSON line last, which is returned. Background jobs the script
    started have finished when it returns."""
    code = "import json\nfrom app import create_app\nimport jobs\napp = create_app()\nclient = app.test_client()\n"
    code += textwrap.dedent(script)
    code += "\nif jobs._state['executor'] is not None:\n    jobs._state['executor'].shutdown(wait=True)\n"
    done = subprocess.run([sys.executable, "-c", code], check=False, cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def http(method, url, data=None, headers=None, timeout=10):
    """(status, body text) of one request; error statuses are answers too."""
    body = None if data is None else "&".join(f"{k}={v}" for k, v in data.items()).encode()
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    if body is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")


@contextmanager
def gunicorn(env, workers=2, log_path=None):
    """`gunicorn -w N "app:create_app()"` on a free port of 127.0.0.1 (as the README's
    Production section runs it); yields its base URL once every worker answers."""
    port = free_port()
    log = open(log_path or os.devnull, "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "60",
         "--no-control-socket", "app:create_app()"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"gunicorn exited with {proc.returncode}"
            try:
                if http("GET", base + "/favicon.ico", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
            time.sleep(0.2)
        time.sleep(2.0)  # the other workers finish loading the app too
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
