from piccolo.columns import JSON, Boolean, ForeignKey, Timestamptz, Varchar
from piccolo.table import Table


class Unit(Table, tablename="unit"):
    """An SKPD or an instansi vertikal: the PIC group a complaint is routed to."""

    code = Varchar(length=32, unique=True)
    name = Varchar(length=200)
    kind = Varchar(length=16)  # "skpd" | "vertical"
    created_at = Timestamptz()


class Category(Table, tablename="category"):
    code = Varchar(length=32, unique=True)
    name = Varchar(length=200)
    # A JSON list of Indonesian keywords; read as a whole, never queried into.
    keywords = JSON(default="[]")
    unit = ForeignKey(references=Unit, null=True)
    auto_dispatch = Boolean(default=False)
    created_at = Timestamptz()
