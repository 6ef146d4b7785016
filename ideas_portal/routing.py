"""URL converters: an id in a path is ASCII digits within the id range, or the answer is 404."""

from __future__ import annotations

from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from .models.types import MAX_ID


class IdConverter(IntegerConverter):
    """`<int:…>` everywhere: werkzeug's own takes any Unicode digit ('/ideas/١' was idea 1) and any size."""

    regex = r"[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= MAX_ID:
            # No row can have it: 404, never a database overflow. Not ValidationError, which would let werkzeug
            # answer 405 because the same path takes other methods.
            raise NotFound("There is nothing with that number.")
        return number


def init_app(app) -> None:
    app.url_map.converters["int"] = IdConverter  # before any rule is added
