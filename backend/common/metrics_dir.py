"""Where the processes of one data dir keep their Prometheus samples.

Kept apart from backend/common/metrics.py on purpose: prometheus-client picks
its multiprocess mode when it is first imported, so this must run (in
`upik serve` / `upik worker`) before that module is imported anywhere.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def enable_multiprocess(data_dir: Path) -> Path:
    """Point every process of this data dir at one metrics directory, and
    forget the files of processes that are gone (their counters restart,
    as a single process's would)."""
    directory = data_dir / "metrics"
    directory.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(directory)
    for path in directory.glob("*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    return directory


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
