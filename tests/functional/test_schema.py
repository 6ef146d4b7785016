"""The migrations and the models describe one schema, on SQLite and on PostgreSQL alike."""

import subprocess
import sys

from sqlalchemy import inspect

from ideas_portal.extensions import db
from tests.conftest import ROOT, server_env


def test_flask_db_check_finds_no_drift_between_models_and_migrations(database_url, redis_url, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "check"],
        cwd=ROOT,
        env=server_env(database_url, redis_url, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "No new upgrade operations detected" in result.stdout + result.stderr


def test_a_merge_target_keeps_its_named_foreign_key_that_nulls_on_delete(app):
    [fk] = [
        fk for fk in inspect(db.engine).get_foreign_keys("ideas") if fk["constrained_columns"] == ["merged_into_id"]
    ]
    assert (fk["name"], fk["referred_table"], fk["options"].get("ondelete")) == (
        "fk_ideas_merged_into_id_ideas",
        "ideas",
        "SET NULL",
    )
