"""Who is looking: the API's bearer token kept in an HttpOnly, SameSite=Strict cookie,
checked against the same roles as the API (POLICY ch. 9); the CSRF token of the forms."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from api.auth import ROLES, TokenError, User, read_token

COOKIE = "ledger_session"
LANG_COOKIE = "ledger_lang"
LOGIN_CSRF_COOKIE = "ledger_login_csrf"
PATH = "/ui"


class SignInRequired(Exception):
    """No session cookie, or one whose token is expired or not valid: go and sign in."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class PageForbidden(Exception):
    def __init__(self, role: str, roles: tuple[str, ...]) -> None:
        self.role = role
        self.roles = roles


@dataclass(frozen=True)
class WebUser:
    user: User
    csrf: str

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def role(self) -> str:
        return self.user.role


def csrf_for(key: str, session_token: str) -> str:
    """The forms' CSRF token, tied to the session cookie: an HMAC only the server makes."""
    return hmac.new(key.encode(), b"csrf:" + session_token.encode(), hashlib.sha256).hexdigest()


def session_user(request: Request) -> WebUser:
    token = request.cookies.get(COOKIE)
    if not token:
        raise SignInRequired("")
    key = request.app.state.signing_key
    try:
        user = read_token(key, token)
    except TokenError as error:
        raise SignInRequired(str(error)) from None
    return WebUser(user, csrf_for(key, token))


def page(*roles: str) -> Callable[[Request], WebUser]:
    """A dependency: the signed-in user, when their role is one of `roles`."""

    def check(request: Request) -> WebUser:
        who = session_user(request)
        if who.role not in roles:
            raise PageForbidden(who.role, roles)
        return who

    return check


def csrf_ok(who: WebUser, sent: str | None) -> bool:
    return sent is not None and hmac.compare_digest(who.csrf, sent)


ANYONE = ROLES
