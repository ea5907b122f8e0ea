"""Errors shaped like Stripe's: ``{"error": {"type", "code", "message", "param"}}``."""

from __future__ import annotations

from typing import Any


class SandboxError(Exception):
    def __init__(
        self,
        message: str,
        *,
        status_code: int = 400,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message}
        for name in ("code", "param", "decline_code"):
            value = getattr(self, name)
            if value is not None:
                error[name] = value
        return {"error": error}


def invalid_request(
    message: str, *, param: str | None = None, code: str | None = None
) -> SandboxError:
    return SandboxError(message, code=code, param=param)


def missing(param: str) -> SandboxError:
    return SandboxError(f"Missing required param: {param}.", code="parameter_missing", param=param)


def no_such(kind: str, object_id: str, *, param: str = "id") -> SandboxError:
    return SandboxError(
        f"No such {kind}: '{object_id}'",
        status_code=404,
        code="resource_missing",
        param=param,
    )
