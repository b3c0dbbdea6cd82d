"""Errors that services raise for the user to read."""


class DomainError(Exception):
    """A refused operation, with a translated message fit to show to the person who asked.

    Services raise it before changing anything (or inside a transaction that then rolls
    back), so a caller that catches it can be sure nothing was stored.
    """

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return str(self.message)
