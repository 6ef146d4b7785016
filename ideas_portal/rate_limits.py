"""The rate limit whose key needs the domain: failed sign-ins per account, however its address is spelled."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from .extensions import limiter
from .services.accounts import account_key


def _signin_account_key() -> str:
    data: Any = request.form  # the form, else the JSON body: any shape a client sends
    if not data and request.is_json:
        try:
            data = request.get_json(silent=True)
        except (ValueError, RecursionError):  # the view answers bad JSON; a key must never fail
            data = None
    return "account:" + account_key(data.get("email") if hasattr(data, "get") else None)


# Failed sign-ins per account, on the form and the API alike, from however many addresses they come.
signin_failures_per_account = limiter.shared_limit(
    lambda: current_app.config["SIGNIN_FAILURES_PER_ACCOUNT"],
    scope="signin-account",
    key_func=_signin_account_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 401,
)
