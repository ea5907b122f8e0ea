"""Wire conventions: camelCase JSON, error bodies, pagination."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class CamelModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, from_attributes=True, extra="ignore"
    )


class ErrorOut(BaseModel):
    error: str = Field(description="Stable machine-readable code")
    message: str = Field(description="Human-readable sentence")
    details: object | None = None


class Page(BaseModel):
    page: int = 1
    limit: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorOut} for status in (400, 401, 403, 404, 409, 422)
}
