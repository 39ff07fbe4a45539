"""The archive: database snapshot first, then the files, then the manifest.

The database goes first on purpose: attachments are written to disk before
the row that names them commits, so every attachment the snapshot knows of
is already on disk when the files are read (later uploads ride along,
unreferenced and harmless).

Layout of FILE (.tar.gz):
    database/upik.sqlite3 | database/upik.pgdump
    data/uploads/...      the attachments
    data/secret_key, data/vapid_private.pem   the generated keys, when they exist
    manifest.json         {"format", "created_at", "engine", "tables": {name: rows},
                           "files": {path: {"size", "sha256"}}}
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from backend.backup import databases as db
from backend.backup.databases import BackupError
from backend.settings import Settings

FORMAT = 1
KEY_FILES = ("secret_key", "vapid_private.pem")
MANIFEST = "manifest.json"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _data_files(settings: Settings) -> list[tuple[str, Path]]:
    files = [(f"data/{name}", settings.data_dir / name) for name in KEY_FILES]
    uploads = settings.uploads_dir
    if uploads.exists():
        for path in sorted(p for p in uploads.rglob("*") if p.is_file()):
            if path.name.endswith(".tmp"):
                continue  # an upload in flight: its row is not committed yet
            files.append((f"data/uploads/{path.relative_to(uploads).as_posix()}", path))
    return [(name, path) for name, path in files if path.exists()]


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


def create_backup(settings: Settings, target: Path) -> dict:
    target = target.resolve()
    partial = target.with_name(target.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="upik-backup-") as tmp:
        if settings.is_sqlite:
            engine, dump = "sqlite", Path(tmp) / "upik.sqlite3"
            tables = db.sqlite_snapshot(settings.database_url, dump)
        else:
            engine, dump = "postgresql", Path(tmp) / "upik.pgdump"
            tables = asyncio.run(db.postgres_snapshot(settings.database_url, dump))
        files: dict[str, dict] = {}
        with tarfile.open(partial, "w:gz") as tar:
            for name, path in [(f"database/{dump.name}", dump), *_data_files(settings)]:
                try:
                    data = path.read_bytes()
                except FileNotFoundError:
                    continue  # deleted since listed
                files[name] = {"size": len(data), "sha256": _sha256(data)}
                _add(tar, name, data)
            manifest = {
                "format": FORMAT,
                "created_at": datetime.now(UTC).isoformat(),
                "engine": engine,
                "tables": tables,
                "files": files,
            }
            _add(tar, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
    os.replace(partial, target)  # only a complete archive carries the final name
    return manifest


def _read_verified(archive: Path, into: Path) -> dict:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(into, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{archive} is not a readable upik archive: {exc}") from None
    try:
        manifest = json.loads((into / MANIFEST).read_text())
    except (OSError, ValueError):
        raise BackupError(f"{archive} has no readable {MANIFEST}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"archive format {manifest.get('format')!r} is not {FORMAT}")
    for name, expected in manifest["files"].items():
        path = into / name
        if not path.is_file():
            raise BackupError(f"archive lacks {name}, which its manifest lists")
        if _sha256(path.read_bytes()) != expected["sha256"]:
            raise BackupError(f"{name} does not match its checksum in the manifest")
    return manifest


def _current_rows(settings: Settings) -> dict[str, int]:
    if settings.is_sqlite:
        return db.sqlite_counts(settings.database_url)
    return asyncio.run(db.postgres_counts(settings.database_url))


def _refuse_if_not_empty(settings: Settings, manifest: dict, unpacked: Path) -> None:
    rows = _current_rows(settings)
    filled = sorted(name for name, count in rows.items() if count and name != "migration")
    if filled:
        raise BackupError(
            "the target database is not empty (rows in " + ", ".join(filled[:5])
            + "); restore into an empty one, or pass --force to replace it"
        )
    uploads = settings.uploads_dir
    if uploads.exists() and any(p.is_file() for p in uploads.rglob("*")):
        raise BackupError(f"{uploads} is not empty; pass --force to replace it")
    vapid = settings.data_dir / "vapid_private.pem"
    archived = unpacked / "data" / "vapid_private.pem"
    if vapid.exists() and archived.exists() and vapid.read_bytes() != archived.read_bytes():
        raise BackupError(f"{vapid} holds another VAPID key; pass --force to replace it")


def _put_files(settings: Settings, manifest: dict, unpacked: Path) -> None:
    for name in manifest["files"]:
        if not name.startswith("data/"):
            continue
        target = settings.data_dir / name.removeprefix("data/")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".restoring")
        tmp.write_bytes((unpacked / name).read_bytes())
        tmp.chmod(0o600)
        os.replace(tmp, target)


def restore_backup(settings: Settings, archive: Path, force: bool = False) -> dict:
    with tempfile.TemporaryDirectory(prefix="upik-restore-") as tmp:
        unpacked = Path(tmp)
        manifest = _read_verified(archive, unpacked)
        engine = "sqlite" if settings.is_sqlite else "postgresql"
        if manifest["engine"] != engine:
            raise BackupError(
                f"the archive holds a {manifest['engine']} database but DATABASE_URL is {engine}"
            )
        if not force:
            _refuse_if_not_empty(settings, manifest, unpacked)
        if settings.is_sqlite:
            db.sqlite_restore(unpacked / "database" / "upik.sqlite3", settings.database_url)
        else:
            dump = unpacked / "database" / "upik.pgdump"
            asyncio.run(db.postgres_restore(dump, settings.database_url))
        _put_files(settings, manifest, unpacked)
    rows = _current_rows(settings)
    wrong = {
        name: (count, rows.get(name))
        for name, count in manifest["tables"].items()
        if rows.get(name) != count
    }
    if wrong:
        raise BackupError(f"restored row counts differ from the manifest: {wrong}")
    return manifest
