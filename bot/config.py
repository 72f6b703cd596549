"""One typed settings object, read once from the environment and `.env`."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from store.db import BadDatabaseUrl, normalize_url


class ConfigError(Exception):
    """Bad configuration, with a message that names the variable to fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default="sqlite:///ipbot.db", alias="DATABASE_URL")
    timezone: str = Field(default="UTC", alias="IPBOT_TIMEZONE")
    admins: str = Field(default="", alias="IPBOT_ADMINS")
    log_level: str = Field(default="INFO", alias="IPBOT_LOG_LEVEL")
    # how often a replica checks whether another one changed the store (seconds)
    refresh_interval: float = Field(default=0.5, alias="IPBOT_REFRESH_INTERVAL")
    # whose figures a question is about when it names no company (facts carry their
    # subject); also the subject of imported facts and licensor of licences that name
    # none. The default is the subject of the seed facts (migration 0002).
    home_subject: str = Field(default="Huawei", alias="IPBOT_HOME_SUBJECT", min_length=1, max_length=200)

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str | None = Field(default=None, alias="SLACK_API_URL")
    # the address HTTP mode listens on: 0.0.0.0 (every interface) suits a container;
    # 127.0.0.1 keeps it to a reverse proxy on the same machine
    host: str = Field(default="0.0.0.0", alias="IPBOT_HOST", min_length=1, max_length=255)
    port: int = Field(default=3000, alias="PORT")
    # which engine answers patent questions: the in-memory index, or PostgreSQL
    # (for portfolios past a replica's memory, and many replicas on one database)
    patent_search: Literal["memory", "postgres"] = Field(default="memory", alias="IPBOT_PATENT_SEARCH")

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", "slack_api_url",
                     mode="before")
    @classmethod
    def _blank_is_unset(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("patent_search", mode="before")
    @classmethod
    def _engine_name(cls, v: object) -> object:
        return v.strip().lower() if isinstance(v, str) else v

    @property
    def admin_ids(self) -> frozenset[str]:
        return frozenset(a.strip() for a in self.admins.split(",") if a.strip())

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def check(self) -> None:
        """Refuse to start on configuration that cannot work, naming the variable."""
        try:
            normalize_url(self.database_url)
        except BadDatabaseUrl as exc:
            raise ConfigError(str(exc)) from None
        self.check_patent_search()
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"IPBOT_TIMEZONE={self.timezone!r} is not a time zone; use e.g. UTC or Europe/Berlin"
            ) from None

    def check_patent_search(self) -> None:
        if self.patent_search == "postgres" and make_url(normalize_url(self.database_url)).get_backend_name() \
                != "postgresql":
            raise ConfigError(
                "IPBOT_PATENT_SEARCH=postgres answers patent questions from PostgreSQL, but DATABASE_URL is not a "
                "PostgreSQL database; point DATABASE_URL at PostgreSQL or use IPBOT_PATENT_SEARCH=memory"
            )


def load_settings(**overrides: object) -> Settings:
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except Exception as exc:  # pydantic's ValidationError lists every bad variable
        raise ConfigError(f"bad configuration: {exc}") from None
    settings.check()
    return settings
