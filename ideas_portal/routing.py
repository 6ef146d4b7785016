"""URL converters: an id in a path beyond the id range is a 404, not a database error."""
from werkzeug.routing import IntegerConverter

from .models.types import MAX_ID


class IdConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def init_app(app) -> None:
    app.url_map.converters["int"] = IdConverter
