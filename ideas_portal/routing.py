"""URL converters: an id in a path is ASCII digits within the id range, or the route simply does not match."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter, ValidationError

from .models.types import MAX_ID


class IdConverter(IntegerConverter):
    """`<int:…>` everywhere: werkzeug's own takes any Unicode digit ('/ideas/١' was idea 1) and any size."""

    regex = r"[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= MAX_ID:
            raise ValidationError()  # no row can have it: 404, never a database overflow
        return number


def init_app(app) -> None:
    app.url_map.converters["int"] = IdConverter  # before any rule is added
