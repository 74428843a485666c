"""Bearer tokens (PyJWT, HS256) carrying the user and the role (POLICY ch. 9)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import jwt

ROLES = (
    "caseworker",
    "approver",
    "finance",
    "standards_admin",
    "auditor",
    "medical_insurance",
    "transport",
)
ALGORITHM = "HS256"
ISSUER = "jiaxing-benefits-ledger"


class TokenError(Exception):
    pass


@dataclass(frozen=True)
class User:
    name: str
    role: str


def issue_token(key: str, user: str, role: str, ttl_seconds: int) -> str:
    if role not in ROLES:
        raise TokenError(f"role must be one of {', '.join(ROLES)}")
    if not user.strip():
        raise TokenError("user must not be empty")
    now = int(time.time())
    claims = {"sub": user, "role": role, "iat": now, "exp": now + ttl_seconds, "iss": ISSUER}
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def read_token(key: str, token: str) -> User:
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "sub", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("the token has expired") from None
    except jwt.PyJWTError as error:
        raise TokenError(f"the token is not valid: {error}") from None
    role = claims.get("role")
    if role not in ROLES:
        raise TokenError("the token carries no known role")
    return User(str(claims["sub"]), str(role))
