"""OpenAPI description of the photo contest operations (served as part of /api/v1/openapi.json)."""
from . import openapi
from .openapi import AUTH_ERRORS, COMMON_ERRORS, ERROR, ID, PAGING, SECURE, body, json_response, list_of, param, ref

_TIME = {"type": "string", "format": "date-time"}
_NULL_TIME = {"type": ["string", "null"], "format": "date-time"}
_URL_OR_NULL = {"type": ["string", "null"]}
_CONTEST_FIELDS = {
    "title": {"type": "string", "minLength": 3, "maxLength": 120},
    "rules": {"type": "string", "minLength": 1, "maxLength": 20000},
    "prize": {"type": ["string", "null"], "maxLength": 300},
    "opens_at": _TIME, "entries_close_at": _TIME, "closes_at": _TIME,
    "max_entries_per_member": {"type": "integer", "minimum": 1, "maximum": 100},
    "daily_vote_allowance": {"type": ["integer", "null"], "minimum": 1, "maximum": 10000},
    "moderated": {"type": "boolean"},
    "winner_count": {"type": "integer", "minimum": 1, "maximum": 100},
    "winner_method": {"enum": ["votes", "judges", "sweepstakes"]},
    "judge_weight": {"type": "integer", "minimum": 0, "maximum": 100},
}

openapi.SCHEMAS.update({
    "Entry": {"type": "object", "required": [
        "id", "contest_id", "author", "caption", "state", "error", "image_url", "thumbnails", "votes"],
        "properties": {
            "id": {"type": "integer"}, "contest_id": {"type": "integer"}, "author": ref("UserRef"),
            "caption": {"type": "string"},
            "state": {"enum": ["processing", "pending_review", "approved", "rejected", "failed"]},
            "error": {"type": ["string", "null"]}, "image_url": _URL_OR_NULL,
            "thumbnails": {"type": "object", "required": ["small", "medium", "large"], "properties": {
                "small": _URL_OR_NULL, "medium": _URL_OR_NULL, "large": _URL_OR_NULL}},
            "votes": {"type": "integer"}, "winner_rank": {"type": ["integer", "null"]}, "created_at": _TIME,
            "url": {"type": "string"}, "voted": {"type": ["boolean", "null"]}}},
    "Contest": {"type": "object", "required": [
        "id", "title", "rules", "prize", "opens_at", "entries_close_at", "closes_at", "state", "winners",
        "announced_at"], "properties": {
            **_CONTEST_FIELDS, "id": {"type": "integer"}, "title": {"type": "string"},
            "rules": {"type": "string"}, "rules_html": {"type": "string"}, "prize": {"type": "string"},
            "max_entries_per_member": {"type": "integer"}, "winner_count": {"type": "integer"},
            "state": {"enum": ["upcoming", "open", "voting", "closed"]},
            "winners": {"type": "array", "items": ref("Entry")}, "announced_at": _NULL_TIME,
            "draw_seed_sha256": {"type": "string"}, "draw_seed": {"type": ["string", "null"]},
            "url": {"type": "string"}}},
})

_CONTEST = {"200": json_response(ref("Contest")), "404": ERROR, **COMMON_ERRORS, "401": ERROR}
_ENTRY_CHANGE = {"200": json_response(ref("Entry")), "404": ERROR, "409": ERROR, **COMMON_ERRORS, **AUTH_ERRORS}
openapi.PATHS.update({
    "/contests": {
        "get": {"summary": "All photo contests", "operationId": "listContests",
                "responses": {"200": json_response(list_of("Contest", cursor=False)), "401": ERROR, "429": ERROR}},
        "post": {"summary": "Create a photo contest (staff)", "operationId": "createContest", "security": SECURE,
                 "requestBody": body({"type": "object", "required": ["title", "rules", "opens_at",
                                                                     "entries_close_at", "closes_at"],
                                      "properties": _CONTEST_FIELDS}),
                 "responses": {"201": json_response(ref("Contest"), "Created"), **COMMON_ERRORS, **AUTH_ERRORS}}},
    "/contests/{id}": {
        "get": {"summary": "One contest, with its winners once announced", "operationId": "getContest",
                "parameters": [ID], "responses": _CONTEST},
        "patch": {"summary": "Change a contest (staff); send only the fields to change",
                  "operationId": "updateContest", "security": SECURE, "parameters": [ID],
                  "requestBody": body({"type": "object", "properties": _CONTEST_FIELDS}),
                  "responses": {**_CONTEST, **AUTH_ERRORS}}},
    "/contests/{id}/close": {"post": {
        "summary": "Close now (staff); the worker picks and announces the winners once. Idempotent.",
        "operationId": "closeContest", "security": SECURE, "parameters": [ID],
        "responses": {"202": json_response(ref("Contest"), "Accepted"), "404": ERROR, **COMMON_ERRORS,
                      **AUTH_ERRORS}}},
    "/contests/{id}/entries": {
        "get": {"summary": "The gallery: approved entries", "operationId": "listEntries",
                "parameters": [ID, param("sort", schema={"enum": ["new", "votes"]}), *PAGING],
                "responses": {"200": json_response(list_of("Entry")), "404": ERROR, **COMMON_ERRORS,
                              "401": ERROR}},
        "post": {"summary": "Enter a photo (JPEG, PNG or WebP); posting accepts the contest rules",
                 "operationId": "createEntry", "security": SECURE, "parameters": [ID],
                 "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                     "type": "object", "required": ["photo"], "properties": {
                         "photo": {"type": "string", "format": "binary"},
                         "caption": {"type": "string", "maxLength": 300},
                         "full_name": {"type": "string", "maxLength": 120},
                         "phone": {"type": "string", "maxLength": 40},
                         "postal_address": {"type": "string", "maxLength": 500},
                         "marketing_consent": {"type": "string", "enum": ["true", "false"]}}}}}},
                 "responses": {"202": json_response(ref("Entry"), "Accepted: processing"), "404": ERROR,
                               "409": ERROR, "413": ERROR, **COMMON_ERRORS, **AUTH_ERRORS}}},
    "/entries/{id}": {"get": {
        "summary": "One entry (before approval: its author and staff only)", "operationId": "getEntry",
        "parameters": [ID], "responses": {"200": json_response(ref("Entry")), "404": ERROR, **COMMON_ERRORS,
                                          "401": ERROR}}},
    "/entries/{id}/review": {"post": {
        "summary": "Approve or reject an entry (staff)", "operationId": "reviewEntry", "security": SECURE,
        "parameters": [ID], "requestBody": body({"type": "object", "required": ["decision"], "properties": {
            "decision": {"enum": ["approve", "reject"]}, "reason": {"type": ["string", "null"], "maxLength": 500}}}),
        "responses": _ENTRY_CHANGE}},
    "/entries/{id}/vote": {
        "put": {"summary": "Vote for an entry (once; not your own)", "operationId": "voteEntry",
                "security": SECURE, "parameters": [ID], "responses": _ENTRY_CHANGE},
        "delete": {"summary": "Withdraw your vote", "operationId": "unvoteEntry", "security": SECURE,
                   "parameters": [ID], "responses": _ENTRY_CHANGE}},
    "/entries/{id}/score": {"put": {
        "summary": "A judge's score from 1 to 10 (staff, judged contests)", "operationId": "scoreEntry",
        "security": SECURE, "parameters": [ID],
        "requestBody": body({"type": "object", "required": ["score"], "properties": {
            "score": {"type": "integer", "minimum": 1, "maximum": 10}}}),
        "responses": _ENTRY_CHANGE}},
})
