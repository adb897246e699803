"""How a browser gets a session (S4): the one-time token exchange, and how it ends one."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, render_template, request
from werkzeug.exceptions import Forbidden

from assistant.page.security import PageGuard
from assistant.page.tokens import TokenBook
from assistant.page.words import Words, page_language

session_blueprint = Blueprint("session", __name__)


def safe_next(target: str | None) -> str:
    """Only a path of this page: never another site ("//host", "/\\host", "http://...")."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return "/"
    return target


@session_blueprint.post("/session")
def exchange() -> Response:
    """A one-time token for a session cookie. The browser then goes on by a page of the page's
    own: a redirect would keep the opener file as the navigation's initiator, and a SameSite
    Strict cookie is not sent on a navigation another site started."""
    tokens: TokenBook = current_app.extensions["page_tokens"]
    guard: PageGuard = current_app.extensions["page_guard"]
    token = request.form.get("token", "")
    if not token or not tokens.redeem(token):
        raise Forbidden()
    key, _session = guard.sessions.start()
    target = safe_next(request.form.get("next"))
    words = Words(page_language(None))
    body = render_template("opened.html", w=words, target=target)
    response = Response(body, mimetype="text/html")
    # No expiry date: the session ends with the browser (S5). Not Secure: plain http on
    # loopback, which no one else can listen to.
    response.set_cookie(guard.cookie, key, httponly=True, samesite="Strict", path="/")
    return response


@session_blueprint.post("/session/end")
def end() -> Response:
    """Close this browser's session (a shared computer): the page asks for `open` again."""
    guard: PageGuard = current_app.extensions["page_guard"]
    guard.sessions.end(request.cookies.get(guard.cookie))
    g.page_session = None
    words = Words(page_language(request.args.get("lang")))
    body = render_template(
        "error.html",
        w=words,
        title=words._("The page is closed"),
        text=words._(
            'To see it again, click "OFPRA assistant" in the applications menu, or run '
            "'ofpra-assistant open'."
        ),
    )
    response = Response(body, mimetype="text/html")
    response.delete_cookie(guard.cookie, path="/", httponly=True, samesite="Strict")
    return response
