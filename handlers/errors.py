"""Domain exceptions. The bot turns each into a short reply; none reaches a user
as a traceback."""

from __future__ import annotations


class IpbotError(Exception):
    """Base: the message is safe and useful to show to the person who asked."""


class StoreUnavailable(IpbotError):
    def __init__(self, message: str = "The fact store is unavailable, try again shortly.") -> None:
        super().__init__(message)


class NotAllowed(IpbotError):
    """`contacts`: user ids who can help; the renderer shows them as mentions."""

    def __init__(self, message: str, contacts: list[str] | None = None) -> None:
        super().__init__(message)
        self.contacts = list(contacts or [])


class BadCommand(IpbotError):
    pass
