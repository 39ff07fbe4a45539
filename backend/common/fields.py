"""Field types shared by every schema and route, so each rule is written once.

- Ids fit the database's 4-byte integer columns: a larger number is a 400
  naming the field, not a driver error.
- Text never holds NUL (PostgreSQL text cannot store it), and text that must
  say something is not just white space.
"""

from typing import Annotated

from litestar.params import Parameter
from msgspec import Meta

MAX_ID = 2**31 - 1
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = r"^[^\x00]*[^\x00\s][^\x00]*$"

Id = Annotated[int, Meta(ge=1, le=MAX_ID)]
PathId = Annotated[int, Parameter(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Parameter(ge=1, le=MAX_ID)]


def text(min_length: int, max_length: int, *, blank_ok: bool = False, **meta):
    """A string of this length with no NUL; not blank unless allowed."""
    return Annotated[
        str,
        Meta(
            min_length=min_length,
            max_length=max_length,
            pattern=NO_NUL if blank_ok else NOT_BLANK,
            **meta,
        ),
    ]
