"""What HttpClient returns: the status, final URL, headers and the whole (capped) body."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Response:
    status: int
    url: str  # after redirects
    headers: dict[str, str]  # lower-case names; a repeated header's values joined with ", "
    body: bytes
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None

    @property
    def content_type(self) -> str:
        """The Content-Type header as sent, charset included; "" when absent."""
        return self.headers.get("content-type", "").strip()

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for param in self.content_type.split(";")[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return value.strip().strip('"').lower()
        return None
