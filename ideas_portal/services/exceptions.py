"""Domain exceptions; errors.py turns each into the same 4xx for HTML and JSON."""


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    status_code = 400


class AuthenticationFailed(DomainError):
    status_code = 401


class NotAllowed(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class VotingClosed(Conflict):
    pass


class EmailTaken(Conflict):
    pass


class DeadLink(DomainError):
    """A one-time link that is unknown, used or expired; its page offers a fresh one."""

    def __init__(self, message: str, status_code: int = 400):
        super().__init__(message)
        self.status_code = status_code


class Banned(NotAllowed):
    """A suspended member may read but not post, comment, vote or flag."""

    def __init__(self, reason: str | None):
        super().__init__(f"Your account is suspended: {reason or 'no reason was given'}")
