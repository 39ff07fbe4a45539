from piccolo.columns import ForeignKey, Text, Timestamptz, Varchar
from piccolo.table import Table

from backend.organisation.tables import Unit


class AnswerTemplate(Table, tablename="answer_template"):
    title = Varchar(length=200)
    body = Text()
    # Null: a global template, offered to every unit and managed by admins only.
    unit = ForeignKey(references=Unit, null=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()
