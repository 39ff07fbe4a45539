from piccolo.columns import Date, Timestamptz, Varchar
from piccolo.table import Table


class Holiday(Table, tablename="holiday"):
    """A day with no office time, whatever UPIK_OFFICE_HOURS says for its weekday."""

    day = Date(unique=True)
    name = Varchar(length=200)
    created_at = Timestamptz()
