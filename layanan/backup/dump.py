"""The database of a backup: every table read in one snapshot, written as JSON lines that keep
every value exactly, and loaded back in bulk.

One snapshot: the tables are read through a connection of their own, in one transaction that
sees the database as it was when it began (PostgreSQL: REPEATABLE READ, READ ONLY; SQLite: a
copy made with SQLite's online backup API, which the site keeps writing past). So a request
is never in the dump without its events, nor a letter without the counter that numbered it,
however busy the site is while the backup runs; and nothing waits for the backup.

Exactly: times keep their microseconds (Django's own JSON dump keeps milliseconds, which broke
the audit chain's hashes at every restore), and primary keys, files' names and hashes stay as
they were. Content types and permissions are recreated by ``migrate`` with ids of their own:
rows that point at them are written with their natural key and pointed again at restore.

A file is a sequence of lines: ``{"model": label, "fields": [...]}`` opens each table, then one
JSON array of values per row.
"""

import base64
import datetime as dt
import json
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.utils import load_backend

SNAPSHOT_ALIAS = "ldm_backup_snapshot"
# Recreated by `migrate` (content types, permissions) or not worth keeping (sessions).
SKIPPED = {"contenttypes.contenttype", "auth.permission", "sessions.session"}
BATCH = 2000


def tables() -> list[type[models.Model]]:
    """Every table a backup holds, by model (many-to-many tables included)."""
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model._meta.label_lower not in SKIPPED
    ]


@contextmanager
def snapshot() -> Iterator[str]:
    """The alias of a connection that reads the whole database as of one moment."""
    default = connections[DEFAULT_DB_ALIAS]
    settings = {**default.settings_dict, "CONN_MAX_AGE": 0}
    with tempfile.TemporaryDirectory(prefix="ldm-snapshot-") as workdir:
        if default.vendor == "sqlite":
            copy = Path(workdir) / "snapshot.sqlite3"
            _sqlite_copy(str(settings["NAME"]), copy)
            settings["NAME"] = str(copy)
        # A connection of its own, made here rather than configured: nothing else uses it.
        connections[SNAPSHOT_ALIAS] = load_backend(settings["ENGINE"]).DatabaseWrapper(
            settings, alias=SNAPSHOT_ALIAS
        )
        try:
            with transaction.atomic(using=SNAPSHOT_ALIAS):
                if default.vendor == "postgresql":
                    with connections[SNAPSHOT_ALIAS].cursor() as cursor:
                        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                        cursor.execute("SET LOCAL statement_timeout = 0")
                yield SNAPSHOT_ALIAS
        finally:
            connections[SNAPSHOT_ALIAS].close()
            del connections[SNAPSHOT_ALIAS]


def _sqlite_copy(name: str, target: Path) -> None:
    """SQLite's online backup of the live database (a file, or the tests' shared in-memory
    database) into ``target``: one consistent copy, writers carry on meanwhile (WAL)."""
    source = sqlite3.connect(name, uri=name.startswith("file:"))
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()


# --- Values --------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A value as JSON keeps it exactly."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dt.timedelta):
        return value // dt.timedelta(microseconds=1)
    return value


_FROM_TEXT = {
    "DateTimeField": dt.datetime.fromisoformat,
    "DateField": dt.date.fromisoformat,
    "TimeField": dt.time.fromisoformat,
    "DecimalField": Decimal,
    "UUIDField": uuid.UUID,
    "BinaryField": base64.b64decode,
    "DurationField": lambda micro: dt.timedelta(microseconds=int(micro)),
}


@dataclass
class _Natural:
    """Content types and permissions by natural key, both ways."""

    keys: dict[type, dict[int, list[str]]] = field(default_factory=dict)
    ids: dict[type, dict[tuple[str, ...], int]] = field(default_factory=dict)

    @classmethod
    def of(cls, alias: str) -> "_Natural":
        natural = cls()
        types = {
            pk: [app, model]
            for pk, app, model in ContentType.objects.using(alias).values_list(
                "pk", "app_label", "model"
            )
        }
        natural.keys[ContentType] = types
        natural.keys[Permission] = {
            pk: [*types[type_id], codename]
            for pk, type_id, codename in Permission.objects.using(alias).values_list(
                "pk", "content_type_id", "codename"
            )
        }
        for model, keys in natural.keys.items():
            natural.ids[model] = {tuple(key): pk for pk, key in keys.items()}
        return natural


def _natural_target(column: models.Field) -> type | None:
    related = getattr(column, "related_model", None)
    return related if related in (ContentType, Permission) else None


# --- Writing -------------------------------------------------------------------------------


@dataclass
class Dumped:
    rows: dict[str, int] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)


def database_dump(alias: str, out: IO[str]) -> Dumped:
    """Write every table read through ``alias`` to ``out``; the rows per table and the names
    of the files the rows refer to."""
    dumped = Dumped()
    natural = _Natural.of(alias)
    for model in tables():
        columns = list(model._meta.concrete_fields)
        names = [column.attname for column in columns]
        label = model._meta.label_lower
        out.write(json.dumps({"model": label, "fields": names}) + "\n")
        targets = [(_natural_target(column), column) for column in columns]
        file_columns = [
            index for index, column in enumerate(columns) if isinstance(column, models.FileField)
        ]
        count = 0
        rows = model._base_manager.using(alias).order_by("pk").values_list(*names)
        for row in rows.iterator(chunk_size=BATCH):
            values = []
            for (target, _column), value in zip(targets, row, strict=True):
                if target is not None and value is not None:
                    values.append(natural.keys[target][value])
                else:
                    values.append(_plain(value))
            for index in file_columns:
                if row[index]:
                    dumped.files.add(row[index])
            out.write(json.dumps(values, ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
        dumped.rows[label] = count
    return dumped


# --- Loading -------------------------------------------------------------------------------


def database_load(source: IO[str]) -> dict[str, int]:
    """Insert every row of a dump into the default database (emptied by the caller but for
    what ``migrate`` writes), in one transaction (foreign keys are checked at its end); the
    rows per table."""
    natural = _Natural.of(DEFAULT_DB_ALIAS)
    loaded: dict[str, int] = {}
    connection = connections[DEFAULT_DB_ALIAS]
    with transaction.atomic():
        model: type[models.Model] | None = None
        batch: list[models.Model] = []
        convert: list = []
        names: list[str] = []
        for line in source:
            item = json.loads(line)
            if isinstance(item, dict):
                if model is not None:
                    _insert(model, batch)
                model = apps.get_model(item["model"])
                # A fresh install's own rows (the audit chain's head) give way to the backup's.
                model._base_manager.all().delete()
                names = item["fields"]
                columns = [model._meta.get_field(_field_name(model, name)) for name in names]
                convert = [_converter(column, natural) for column in columns]
                batch = []
                loaded[model._meta.label_lower] = 0
                continue
            if model is None:
                raise ValueError("a row before its table")
            values = {
                name: (None if value is None else to(value))
                for name, to, value in zip(names, convert, item, strict=True)
            }
            batch.append(model(**values))
            loaded[model._meta.label_lower] += 1
            if len(batch) >= BATCH:
                _insert(model, batch)
                batch = []
        if model is not None:
            _insert(model, batch)
        connection.check_constraints()
        _sequences_reset(connection)
    return loaded


def _field_name(model: type[models.Model], attname: str) -> str:
    for column in model._meta.concrete_fields:
        if column.attname == attname:
            return column.name
    raise ValueError(f"{model._meta.label_lower} has no column {attname}")


def _converter(column: models.Field, natural: _Natural):
    target = _natural_target(column)
    if target is not None:
        ids = natural.ids[target]
        return lambda key: ids[tuple(key)]
    return _FROM_TEXT.get(column.get_internal_type(), lambda value: value)


def _insert(model: type[models.Model], batch: list[models.Model]) -> None:
    if batch:
        model._base_manager.bulk_create(batch, batch_size=BATCH)


def _sequences_reset(connection) -> None:
    """After rows with their own primary keys, the next ids come after theirs (PostgreSQL)."""
    statements = connection.ops.sequence_reset_sql(no_style(), tables())
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
