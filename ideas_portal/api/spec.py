"""flask-smorest wired to the house rules: bodies read by body.parse, errors as {"error": ...}, 3.1 document."""

from __future__ import annotations

import flask_smorest
import marshmallow as ma
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from ..models.types import MAX_ID
from ..routing import IdConverter
from ..services.exceptions import InvalidInput
from . import body

NOT_AN_OBJECT = "Send a JSON object as the request body (Content-Type: application/json)."
SECURE = [{"bearer": []}]
_TAILS = {  # marshmallow's wording for the common cases, said the way the API always said it
    "Missing data for required field.": "is required.",
    "Not a valid string.": "must be a string.",
    "Not a valid integer.": "must be a whole number.",
    "Not a valid boolean.": "must be true or false.",
    "Field may not be null.": "may not be null.",
    "Not a valid list.": "must be a list.",
}


def _first_error(messages, path: tuple = ()) -> str:
    """One human sentence for the first problem marshmallow found, naming the field."""
    while isinstance(messages, dict) and messages:
        key, messages = next(iter(messages.items()))
        if key == "_schema":
            return f"'{'.'.join(path)}' must be an object." if path else NOT_AN_OBJECT
        if path and key == "value" and isinstance(messages, dict):
            continue  # a Dict field's level for the value under a key: the key already names it
        path += (str(key),)
    message = messages[0] if isinstance(messages, list) and messages else str(messages)
    if isinstance(message, dict):
        return _first_error(message, path)
    name = ".".join(path) or "body"
    tail = _TAILS.get(message)
    return f"'{name}' {tail}" if tail else f"'{name}': {message}"


class Parser(FlaskParser):
    """JSON only through body.parse (depth, lone surrogates, NaN, huge numbers); any mistake is a 400 sentence."""

    DEFAULT_VALIDATION_STATUS = 400

    def _raw_load_json(self, req):
        data = body.parse(req.get_data(cache=True)) if req.is_json else None
        if not isinstance(data, dict):
            raise InvalidInput(NOT_AN_OBJECT)
        return data

    def load_files(self, req, schema):
        """A multipart body is one shape: its files and its text fields load through one schema."""
        return MultiDictProxy(CombinedMultiDict([req.files, req.form]), schema)

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        messages = error.messages
        if isinstance(messages, dict) and len(messages) == 1 and next(iter(messages)) in self.__location_map__:
            messages = next(iter(messages.values()))  # drop webargs' location level: "json", "query"…
        raise InvalidInput(_first_error(messages))


class Error(ma.Schema):
    error = ma.fields.String(required=True, metadata={"description": "what went wrong, for a person to read"})


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()

    def _store_endpoint_docs(self, endpoint, obj, parameters, tags, **options):
        """Each operation is named after its view (list_ideas: listIdeas), so generated clients get stable names."""
        super()._store_endpoint_docs(endpoint, obj, parameters, tags, **options)
        first, *rest = endpoint.split("_")
        for method, doc in self._docs[endpoint].items():
            if method != "parameters":
                doc.setdefault("manual_doc", {}).setdefault("operationId", first + "".join(w.title() for w in rest))


class Api(flask_smorest.Api):
    """errors.py answers every error for HTML and JSON alike, so the library registers no handler of its own."""

    ERROR_SCHEMA = Error
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        pass


def _listed_keys_only(converter, field, ret, **kwargs) -> dict:
    """A Dict whose metadata lists its `properties` takes no other keys: apispec would describe any key."""
    if isinstance(field, ma.fields.Dict) and "properties" in field.metadata:
        return {"additionalProperties": False}
    return {}


def make_api(app) -> Api:
    api = Api(
        app,
        spec_kwargs={
            "title": "ideas_portal API",
            "version": "1.0.0",
            "openapi_version": "3.1.0",
            "info": {
                "description": "Ideas, votes, comments and photo contests. "
                'Errors are {"error": message} with a 4xx status.'
            },
        },
    )
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.register_converter(IdConverter, lambda _: {"type": "integer", "minimum": 1, "maximum": MAX_ID})
    api.ma_plugin.converter.add_attribute_function(_listed_keys_only)
    # Its `flask openapi` commands print a document without our servers and path prefix: the one served at
    # /api/v1/openapi.json is the only one, so they go (the CLI is CONTRACT's).
    app.cli.commands.pop("openapi", None)
    return api


def document(api: Api, prefix: str, server_url: str) -> dict:
    """The generated document, with paths relative to the server the API is served from."""
    spec = api.spec.to_dict()
    spec["paths"] = {
        path.removeprefix(prefix): item for path, item in spec["paths"].items() if path != prefix + "/openapi.json"
    }
    spec["servers"] = [{"url": server_url}]
    spec.pop("tags", None)
    return spec
