"""Backup benchmark (`make bench-backup`): not a test, a measurement.

On a throwaway PostgreSQL database filled by `generate_data` (by default the full size:
200,000 residents and 1,000,000 requests), it times `backup_create` and then
`backup_restore` into a second throwaway database in another process, and prints rows per
second of each beside a baseline measured in the same run on the same data: PostgreSQL's own
`pg_dump -Fc` and `pg_restore` of the same database (what an operator could use instead,
without the snapshot-consistent files, the checks or the portability).

    .venv/bin/python bench/bench_backup.py [--residents N --requests N] [--keep]
"""

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _database(admin_url: str, name: str, *, create: bool) -> None:
    import psycopg

    with psycopg.connect(f"{admin_url.rstrip('/')}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


def _run(command: list[str], env: dict) -> float:
    start = time.monotonic()
    subprocess.run(command, cwd=ROOT, env=env, check=True)  # noqa: S603 - fixed tools
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = parser.parse_args()

    source, target, plain = "ldm_bench_backup", "ldm_bench_restore", "ldm_bench_pg_restore"
    work = Path(tempfile.mkdtemp(prefix="ldm-bench-backup-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": f"{args.postgres}/{source}",
        "LDM_VAR_DIR": str(work / "source"),
        "LDM_BACKUP_KEY": secrets.token_urlsafe(24),
        "LDM_PKI_PASSPHRASE": secrets.token_urlsafe(24),
        "LDM_LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    _database(args.postgres, source, create=True)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from layanan.backup.services import backup_create
    from layanan.scale.services import data_generate

    try:
        call_command("migrate", verbosity=0)
        start = time.monotonic()
        data_generate(residents=args.residents, requests=args.requests, seed=args.residents)
        print(
            f"generated {args.residents:,} residents and {args.requests:,} requests in "
            f"{time.monotonic() - start:.0f} s"
        )
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
            cursor.execute("SELECT pg_database_size(current_database())")
            size = cursor.fetchone()[0]

        archive = work / "full.ldmbackup"
        start = time.monotonic()
        summary = backup_create(output=archive)
        backup_seconds = time.monotonic() - start

        dump = work / "full.pgdump"
        pg_dump_seconds = _run(
            ["pg_dump", "-Fc", "-f", str(dump), f"{args.postgres}/{source}"], env
        )

        _database(args.postgres, target, create=True)
        restore_env = {
            **env,
            "DATABASE_URL": f"{args.postgres}/{target}",
            "LDM_VAR_DIR": str(work / "target"),
        }
        restore_seconds = _run(
            [sys.executable, "manage.py", "backup_restore", str(archive), "--verbosity", "0"],
            restore_env,
        )
        _database(args.postgres, plain, create=True)
        pg_restore_seconds = _run(
            ["pg_restore", "-d", f"{args.postgres}/{plain}", "--no-owner", str(dump)], env
        )

        rows = summary.rows
        print(f"database: {size / 2**30:.2f} GiB on disk, {rows:,} rows, {summary.files} files")
        print(f"{'measure':<34}{'seconds':>9}{'rows/s':>12}{'file':>12}")
        for label, seconds, path in (
            ("backup_create (encrypted)", backup_seconds, archive),
            ("baseline: pg_dump -Fc", pg_dump_seconds, dump),
            ("backup_restore (checks included)", restore_seconds, None),
            ("baseline: pg_restore", pg_restore_seconds, None),
        ):
            file = f"{path.stat().st_size / 2**20:,.0f} MiB" if path else ""
            print(f"{label:<34}{seconds:>9.1f}{rows / seconds:>12,.0f}{file:>12}")
        print(
            f"ratio backup / pg_dump: {backup_seconds / pg_dump_seconds:.1f}x; "
            f"restore / pg_restore: {restore_seconds / pg_restore_seconds:.1f}x"
        )
    finally:
        connection.close()
        if not args.keep:
            for name in (source, target, plain):
                _database(args.postgres, name, create=False)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
