"""The intake baseline the issue names: a Litestar endpoint doing a plain
Piccolo `Table.save()` on Piccolo's default SQLiteEngine (no WAL, deferred
transactions, a connection per query). Run: python bench/baseline_app.py PORT DBPATH"""

import sys

import msgspec
import uvicorn
from litestar import Litestar, get, post
from piccolo.columns import Text, Timestamptz, Varchar
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

DB = SQLiteEngine(path=sys.argv[2] if len(sys.argv) > 2 else "baseline.sqlite3")


class BaselineComplaint(Table, db=DB):
    title = Varchar(length=200)
    body = Text()
    created_at = Timestamptz()


class In(msgspec.Struct):
    title: str
    body: str


@post("/complaints")
async def create(data: In) -> dict:
    row = BaselineComplaint(title=data.title, body=data.body)
    await row.save()
    return {"id": row.id}


@get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


async def _create_table() -> None:
    await BaselineComplaint.create_table(if_not_exists=True)


app = Litestar([create, healthz], on_startup=[_create_table])

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
