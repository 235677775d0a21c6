"""Rate limits count per client, not per worker process: under `gunicorn -w N` (the README's
Production section) the limits are counted in Redis, so N workers let through what one would."""

import os
import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest
from app_processes import app_env, gunicorn, http

REDIS_URL = os.environ.get("ZLCP_TEST_REDIS_URL", "")

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs Redis (ZLCP_TEST_REDIS_URL), as in production")


def _fire(method, url, n, data=None):
    """n requests, 8 at a time (so every worker takes some); returns their statuses."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda _i: http(method, url, data=data)[0], range(n)))


def test_an_attacker_gets_no_more_logins_or_api_calls_from_two_workers_than_the_limit(app, db_session, tmp_path):
    env = app_env(app, REDIS_URL=REDIS_URL, LOGIN_RATE_LIMIT="10 per minute", API_RATE_LIMIT="10 per minute",
                  # this test's own counters, whatever else uses that Redis
                  RATELIMIT_STORAGE_OPTIONS={"key_prefix": f"zlcp-test-{secrets.token_hex(4)}"})
    with gunicorn(env, workers=2, log_path=tmp_path / "gunicorn.log") as base:
        logins = _fire("POST", base + "/login", 30, data={"identity": "nobody", "password": "wrong"})
        api = _fire("GET", base + "/api/v1/products", 30)
    assert sorted(set(logins)) == [200, 429] and logins.count(200) == 10, logins  # 200: the form again
    assert sorted(set(api)) == [200, 429] and api.count(200) == 10, api
