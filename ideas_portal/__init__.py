"""Application factory."""

from __future__ import annotations

from flask import Flask

from . import models  # noqa: F401  (the whole schema, for Alembic)
from .account import bp as account_bp
from .api import init_app as register_api
from .auth import bp as auth_bp
from .cli import init_app as init_cli
from .config import Config
from .contests import bp as contests_bp
from .errors import init_app as init_errors
from .extensions import cache, configure_sqlite, csrf, db, limiter, login_manager, migrate
from .feed import bp as feed_bp
from .hosts import init_app as init_hosts
from .ideas import bp as ideas_bp
from .media import bp as media_bp
from .members import bp as members_bp
from .moderation import bp as moderation_bp
from .polls import bp as polls_bp
from .routing import init_app as register_converters
from .security_headers import init_app as init_security_headers
from .services.accounts import load_user
from .staff import bp as staff_bp
from .templating import init_app as init_templating
from .webhooks import bp as webhooks_bp


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    settings = Config().update(config)
    app.config.from_mapping(settings.as_dict())
    register_hosts(app)  # first: no other before-request hook runs for a host the site does not answer to
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_commands(app)
    return app


def register_hosts(app: Flask) -> None:
    init_hosts(app)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    cache.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, strict=app.config["TESTING"])


def register_blueprints(app: Flask) -> None:
    register_converters(app)  # before any rule is added
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(ideas_bp)
    app.register_blueprint(moderation_bp)
    app.register_blueprint(feed_bp)
    app.register_blueprint(media_bp)
    app.register_blueprint(members_bp)
    app.register_blueprint(contests_bp)
    app.register_blueprint(polls_bp)
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(webhooks_bp, url_prefix="/staff/webhooks")
    register_api(app)  # flask-smorest: the blueprint, under /api/v1, and its OpenAPI document


def register_errorhandlers(app: Flask) -> None:
    init_errors(app)


def register_template_helpers(app: Flask) -> None:
    init_templating(app)


def register_security_headers(app: Flask) -> None:
    init_security_headers(app)


def register_commands(app: Flask) -> None:
    init_cli(app)
