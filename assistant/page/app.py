"""The page's Flask app, made by one factory (Flask's own app-factory and blueprint style)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException

from assistant.page.security import PageGuard
from assistant.page.tokens import TokenBook
from assistant.page.words import Words, page_language
from assistant.settings import Paths, Settings

if TYPE_CHECKING:
    from assistant.page.checks import CheckJobs

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent


def create_app(
    paths: Paths,
    *,
    port: int,
    tokens: TokenBook,
    settings: Settings | None = None,
    checks: CheckJobs | None = None,
) -> Flask:
    """The page's Flask app: the security middleware for every route (Host, session, CSRF,
    Origin, headers), the token exchange (POST /session with form field ``token`` and optional
    ``next``), the views (/, /profiles/<name>, /help), the actions (check now, channels,
    stop), the setup of a person (/setup), the page's language (/language), the static files.
    Reads what it shows from the home folder (state, profiles, consent) per request; holds no
    lock a check needs. ``checks``: the checks started from the page (the agent's own, with its
    settings and environment); by default, ones made here."""
    from assistant.page.channel_views import channel_blueprint
    from assistant.page.check_views import check_blueprint
    from assistant.page.checks import CheckJobs, environment_source
    from assistant.page.forget_views import forget_blueprint
    from assistant.page.language import language_blueprint
    from assistant.page.session import session_blueprint
    from assistant.page.setup_views import setup_blueprint
    from assistant.page.views import views_blueprint

    app = Flask(
        __name__,
        static_folder=str(HERE / "static"),
        template_folder=str(HERE / "templates"),
    )
    app.config.update(
        # A fault in a view is answered here, never raised into the agent's threads.
        PROPAGATE_EXCEPTIONS=False,
        TRAP_HTTP_EXCEPTIONS=False,
        MAX_CONTENT_LENGTH=64 * 1024,
        # Flask's own signed-cookie session is not used: the guard keeps sessions in memory.
        SECRET_KEY=None,
        JSON_AS_ASCII=False,
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    app.jinja_env.autoescape = True
    app.extensions["page_paths"] = paths
    app.extensions["page_settings"] = settings
    app.extensions["page_tokens"] = tokens
    app.extensions["page_checks"] = checks or CheckJobs(
        environment_source(paths, settings, None), locks_dir=paths.data_dir / "locks"
    )
    PageGuard(app, port=port, home=str(paths.data_dir))
    app.register_blueprint(session_blueprint)
    app.register_blueprint(views_blueprint)
    app.register_blueprint(check_blueprint)
    app.register_blueprint(channel_blueprint)
    app.register_blueprint(forget_blueprint)
    app.register_blueprint(setup_blueprint)
    app.register_blueprint(language_blueprint)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _fault)
    return app


def _error_page(status: int, title: str, text: str) -> Response:
    words = Words(page_language(request.args.get("lang")))
    body = render_template("error.html", w=words, title=title, text=text)
    return Response(body, status=status, mimetype="text/html")


def _http_error(error: HTTPException) -> Response:
    # No personal data in any of these, not even the name of a profile that was asked for.
    words = Words(page_language(request.args.get("lang")))
    code = error.code or 500
    if code == 401:
        title = words._("Open the page from the assistant")
        text = words._(
            'This page opens only from the assistant: click "OFPRA assistant" in the '
            "applications menu, or run 'ofpra-assistant open'."
        )
    elif code == 403:
        title = words._("Not allowed")
        text = words._(
            "This request was refused to protect the page. Open it again from the assistant: "
            "click \"OFPRA assistant\" in the applications menu, or run 'ofpra-assistant open'."
        )
    elif code == 404:
        title = words._("Page not found")
        text = words._("There is no such page. Go back to the overview.")
    else:
        title = words._("Something went wrong")
        text = words._(
            "The page could not be shown. The checks and the alerts go on: this does not stop "
            "them. Try again in a moment."
        )
    return _error_page(code, title, text)


def _fault(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return _http_error(error)
    # Logged with its trace for whoever reads the log; the browser gets a plain page.
    log.exception("the page failed on %s %s", request.method, request.path)
    words = Words(page_language(request.args.get("lang")))
    return _error_page(
        500,
        words._("Something went wrong"),
        words._(
            "The page could not be shown. The checks and the alerts go on: this does not stop "
            "them. Try again in a moment."
        ),
    )
