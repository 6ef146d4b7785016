"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Each API module adds its own operations with `PATHS[...] = {...}` and `SCHEMAS[...] = {...}`,
using the builders below, so the document grows with the code that serves it.
"""
from __future__ import annotations

from flask import jsonify

from ..hosts import site_root
from . import bp


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR = json_response(ref("Error"), "Error")
COMMON_ERRORS = {"400": ERROR, "429": ERROR}
AUTH_ERRORS = {"401": ERROR, "403": ERROR}


def list_of(name: str, cursor: bool = True) -> dict:
    props = {"items": {"type": "array", "items": ref(name)}}
    required = ["items"]
    if cursor:
        props["next_cursor"] = {"type": ["string", "null"]}
        required.append("next_cursor")
    return {"type": "object", "properties": props, "required": required}


def param(name: str, where: str = "query", schema: dict | None = None, required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required or where == "path",
            "schema": schema or {"type": "string"}}


def body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


ID = param("id", "path", {"type": "integer", "minimum": 1})
SECURE = [{"bearer": []}]
PAGING = [param("limit", schema={"type": "integer", "minimum": 1, "maximum": 100}),
          param("cursor", schema={"type": "string", "pattern": "^[A-Za-z0-9_-]*$",
                                   "description": "next_cursor of the previous page, as given"})]

SCHEMAS = {
    "Error": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]},
    "UserRef": {"type": "object", "required": ["id", "name"], "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "role": {"type": "string"}}},
    "Idea": {"type": "object", "required": [
        "id", "title", "body", "category", "status", "author", "upvotes", "downvotes", "score",
        "comment_count", "created_at", "url", "my_vote"], "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"}, "body": {"type": "string"},
        "body_html": {"type": "string"}, "category": {"type": ["string", "null"]},
        "status": {"type": "string"}, "status_name": {"type": "string"}, "author": ref("UserRef"),
        "upvotes": {"type": "integer"}, "downvotes": {"type": "integer"}, "score": {"type": "integer"},
        "comment_count": {"type": "integer"}, "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"}, "withdrawn": {"type": "boolean"},
        "url": {"type": "string", "format": "uri"}, "my_vote": {"enum": [1, -1, None]}}},
    "Comment": {"type": "object", "required": ["id", "body", "author", "is_official", "created_at"], "properties": {
        "id": {"type": "integer"}, "idea_id": {"type": "integer"}, "parent_id": {"type": ["integer", "null"]},
        "body": {"type": "string"}, "body_html": {"type": "string"}, "author": ref("UserRef"),
        "is_official": {"type": "boolean"}, "created_at": {"type": "string", "format": "date-time"}}},
    "Status": {"type": "object", "required": ["slug", "name", "is_closed"], "properties": {
        "slug": {"type": "string"}, "name": {"type": "string"}, "is_closed": {"type": "boolean"},
        "colour": {"type": "string"}}},
    "Category": {"type": "object", "required": ["slug", "name"], "properties": {
        "slug": {"type": "string"}, "name": {"type": "string"}}},
}

PATHS = {
    "/tokens": {"post": {
        "summary": "Exchange email and password for a bearer token", "operationId": "createToken",
        "requestBody": body({"type": "object", "required": ["email", "password"], "properties": {
            "email": {"type": "string"}, "password": {"type": "string"}}}),
        "responses": {"201": json_response({"type": "object", "required": ["token", "user"], "properties": {
            "token": {"type": "string"}, "user": ref("UserRef")}}, "Created"), "401": ERROR, **COMMON_ERRORS}}},
    "/ideas": {
        "get": {"summary": "Browse ideas (keyset pagination)", "operationId": "listIdeas", "parameters": [
            param("sort", schema={"enum": ["top", "hot", "new", "discussed"]}), param("status"),
            param("category"), param("q"), *PAGING],
            "responses": {"200": json_response(list_of("Idea")), **COMMON_ERRORS, "401": ERROR}},
        "post": {"summary": "Submit an idea", "operationId": "createIdea", "security": SECURE,
                 "requestBody": body({"type": "object", "required": ["title", "body"], "properties": {
                     "title": {"type": "string", "minLength": 5, "maxLength": 120},
                     "body": {"type": "string", "minLength": 1, "maxLength": 10000},
                     "category": {"type": ["string", "null"]}}}),
                 "responses": {"201": json_response(ref("Idea"), "Created"), **COMMON_ERRORS, **AUTH_ERRORS}}},
    "/ideas/similar": {"get": {
        "summary": "Likely duplicates of a draft title", "operationId": "similarIdeas",
        "parameters": [param("q"), param("limit", schema={"type": "integer", "minimum": 1,
                                                                           "maximum": 100})],
        "responses": {"200": json_response(list_of("Idea", cursor=False)), **COMMON_ERRORS, "401": ERROR}}},
    "/ideas/{id}": {"get": {
        "summary": "One idea", "operationId": "getIdea", "parameters": [ID],
        "responses": {"200": json_response(ref("Idea")), "404": ERROR, **COMMON_ERRORS, "401": ERROR}}},
    "/ideas/{id}/vote": {
        "put": {"summary": "Vote up (1) or down (-1); the other value switches", "operationId": "voteIdea",
                "security": SECURE, "parameters": [ID],
                "requestBody": body({"type": "object", "required": ["value"], "properties": {
                    "value": {"enum": [1, -1]}}}),
                "responses": {"200": json_response(ref("Idea")), "404": ERROR, "409": ERROR, **COMMON_ERRORS,
                              **AUTH_ERRORS}},
        "delete": {"summary": "Withdraw your vote", "operationId": "unvoteIdea", "security": SECURE,
                   "parameters": [ID],
                   "responses": {"200": json_response(ref("Idea")), "404": ERROR, "409": ERROR, **COMMON_ERRORS,
                                 **AUTH_ERRORS}}},
    "/ideas/{id}/comments": {
        "get": {"summary": "Comments, oldest first", "operationId": "listComments", "parameters": [ID, *PAGING],
                "responses": {"200": json_response(list_of("Comment")), "404": ERROR, **COMMON_ERRORS, "401": ERROR}},
        "post": {"summary": "Comment (parent_id for a reply)", "operationId": "createComment", "security": SECURE,
                 "parameters": [ID],
                 "requestBody": body({"type": "object", "required": ["body"], "properties": {
                     "body": {"type": "string", "minLength": 1, "maxLength": 5000},
                     "parent_id": {"type": ["integer", "null"], "minimum": 1}}}),
                 "responses": {"201": json_response(ref("Comment"), "Created"), "404": ERROR, "409": ERROR,
                               **COMMON_ERRORS, **AUTH_ERRORS}}},
    "/statuses": {"get": {"summary": "The idea workflow statuses", "operationId": "listStatuses",
                          "responses": {"200": json_response(list_of("Status", cursor=False)), "401": ERROR,
                                        "429": ERROR}}},
    "/categories": {"get": {"summary": "Idea categories", "operationId": "listCategories",
                            "responses": {"200": json_response(list_of("Category", cursor=False)), "401": ERROR,
                                          "429": ERROR}}},
}


def document(server_url: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "ideas_portal API", "version": "1.0.0",
                 "description": "Ideas, votes and comments. Errors are {\"error\": message} with a 4xx status."},
        "servers": [{"url": server_url}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document(site_root() + "/api/v1"))
