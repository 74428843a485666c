"""Domain errors. Each carries a message a caseworker can act on and, where it
concerns one input, the name of that field. The API maps them to HTTP statuses
in one place (api/errors.py)."""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""

    code = "ledger_error"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInputError(LedgerError):
    """Input that is malformed whatever the policy says (HTTP 422)."""

    code = "invalid_input"


class PolicyRuleError(LedgerError):
    """A policy rule refuses the request (HTTP 400)."""

    code = "policy_rule"


class NotFoundError(LedgerError):
    """No such household, member, application or standard (HTTP 404)."""

    code = "not_found"


class SeparationOfDutiesError(LedgerError):
    """The same person may not both submit and determine (HTTP 403)."""

    code = "separation_of_duties"


class ConflictError(LedgerError):
    """A duplicate, or a write that lost a race it could not retry (HTTP 409)."""

    code = "conflict"


class ViewsBehindError(LedgerError):
    """The views have not reached what was recorded before the request, and this process
    does not catch them up itself (a projection worker does): HTTP 503, retry shortly."""

    code = "views_behind"


class ViewUnavailableError(LedgerError):
    """A view keeps failing to catch up (its rows refused, or its code failing on an
    event): what reads it answers 503 naming it, everything else goes on."""

    code = "view_unavailable"
