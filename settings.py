"""Settings from the environment and `.env`, checked once at start-up.

Names follow Azure Bot Service (MicrosoftAppId...) and Teams Toolkit (BOT_ID...), so a `.env`
written for either works. Anything wrong becomes one SettingsError line naming the setting.

Read here rather than by pydantic-settings: its package imports every source it offers (AWS,
Azure Key Vault, GCP, TOML, a command line: 67 modules, 5.5 MB in each worker, issue 19) to
read two of them. What it did is kept: a value given in code wins over the environment, which
wins over `.env`, which wins over the default; names are matched without regard to case; a
setting with several names takes the first one set.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator

PROJECT_ROOT = Path(__file__).resolve().parent
ENV_FILE = PROJECT_ROOT / ".env"


class SettingsError(Exception):
    """One line for the operator: which setting, and what is wrong with it."""


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


def _read_env_file(path: Path | None) -> dict[str, str]:
    if path is None or not path.is_file():
        return {}
    from dotenv import dotenv_values  # python-dotenv: quoting, `export`, comments and escapes as every .env tool reads them

    return {name: value for name, value in dotenv_values(path).items() if value is not None}


def _from_environment(model: type[BaseModel], env_file: Path | None) -> dict[str, str]:
    """Each field's value as a string from the environment or the file, by any of its names."""
    sources = [{name.lower(): value for name, value in source.items()} for source in (os.environ, _read_env_file(env_file))]
    found = {}
    for field, info in model.model_fields.items():
        names = info.validation_alias.choices if isinstance(info.validation_alias, AliasChoices) else [field]
        for source in sources:
            value = next((source[name.lower()] for name in names if name.lower() in source), None)
            if value is not None:
                found[field] = value
                break
    return found


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    def __init__(self, _env_file: Path | None = ENV_FILE, **values):
        super().__init__(**{**_from_environment(type(self), _env_file), **values})

    host: str = "127.0.0.1"
    port: int = Field(3978, ge=1, le=65535)
    # Local mode answers anyone without authentication: beyond this machine only when the operator says so.
    local_mode_on_network: bool = False
    data_dir: Path = PROJECT_ROOT / "data"
    database_url: str | None = None
    log_level: str = "INFO"
    # json: one JSON object a line, for Azure Monitor / Log Analytics; text: for a person at a terminal.
    log_format: Literal["text", "json"] = "text"
    max_body_bytes: int = Field(256 * 1024, ge=4096)

    app_id: str = Field("", validation_alias=_env("MICROSOFT_APP_ID", "MicrosoftAppId", "BOT_ID", "APP_ID"))
    app_password: str = Field(
        "", validation_alias=_env("MICROSOFT_APP_PASSWORD", "MicrosoftAppPassword", "BOT_PASSWORD", "SECRET_BOT_PASSWORD", "APP_PASSWORD")
    )
    app_tenant_id: str = Field(
        "", validation_alias=_env("MICROSOFT_APP_TENANT_ID", "MicrosoftAppTenantId", "BOT_TENANT_ID", "TEAMS_APP_TENANT_ID", "APP_TENANTID")
    )
    app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = Field(
        "MultiTenant", validation_alias=_env("MICROSOFT_APP_TYPE", "MicrosoftAppType", "BOT_TYPE", "APP_TYPE")
    )
    allowed_tenant_ids: tuple[str, ...] = ()
    chair_aad_ids: tuple[str, ...] = ()
    chairs_group_id: str = ""
    # Managers see every discussion on the oversight tab (chairs see their own): ids and/or a group.
    manager_aad_ids: tuple[str, ...] = ()
    managers_group_id: str = ""
    # The authority's three-digit DfE local authority code, for the census return's header.
    la_code: str = Field("000", pattern=r"^\d{3}$")
    # Where the tab finds Entra ID's signing keys (the tenant's OpenID metadata); tests point it elsewhere.
    entra_metadata_url: str = ""
    contacts_file: Path | None = None

    # The Teams app package (make package)
    teams_app_id: str = "6f1d3c2a-8b4e-4f7a-9c1d-2e5b7a9c0d11"
    app_version: str = "1.0.0"
    developer_name: str = Field("Children's social care", max_length=32)
    developer_website_url: str = "https://www.example.org/strategy-bot"
    privacy_url: str = "https://www.example.org/strategy-bot/privacy"
    terms_url: str = "https://www.example.org/strategy-bot/terms"

    protocol_profile: str = "hackney"
    holiday_region: Literal["ENG", "WLS", "SCT", "NIR"] | None = None
    time_zone: str = "Europe/London"

    scheduler_enabled: bool = True
    reply_poll_minutes: int = Field(5, ge=1, le=120)
    sweep_seconds: int = Field(60, ge=5, le=3600)
    outbox_seconds: int = Field(5, ge=1, le=300)  # how often effects waiting for a retry are looked at
    public_base_url: str = ""
    link_secret: str = ""

    graph_tenant_id: str = ""
    graph_client_id: str = ""
    graph_client_secret: str = ""
    # How the app proves itself to Graph: a client secret, a certificate (GRAPH_CERTIFICATE_PATH, a PEM with its
    # private key), or the managed identity it runs as in Azure (GRAPH_CLIENT_ID = the identity's client id).
    graph_credential: Literal["secret", "certificate", "managed_identity"] = "secret"
    graph_certificate_path: Path | None = None
    graph_organiser: str = Field("", description="mailbox (UPN or object id) that organises the meetings")
    graph_base_url: str = "https://graph.microsoft.com/v1.0"

    @field_validator("allowed_tenant_ids", "chair_aad_ids", "manager_aad_ids", mode="before")
    @classmethod
    def comma_separated(cls, value):
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @property
    def local_mode(self) -> bool:
        """No app id: anonymous Bot Framework traffic, for the Playground and tests only."""
        return not self.app_id

    @property
    def graph_configured(self) -> bool:
        return all(self._graph_settings().values())

    def _graph_settings(self) -> dict[str, object]:
        """The GRAPH_* settings the chosen credential needs, by name."""
        needed = {"GRAPH_TENANT_ID": self.graph_tenant_id, "GRAPH_CLIENT_ID": self.graph_client_id,
                  "GRAPH_ORGANISER": self.graph_organiser}
        if self.graph_credential == "secret":
            needed["GRAPH_CLIENT_SECRET"] = self.graph_client_secret
        elif self.graph_credential == "certificate":
            needed["GRAPH_CERTIFICATE_PATH"] = self.graph_certificate_path
        return needed

    @property
    def base_url(self) -> str:
        """Where emailed links point: the bot's own address as the outside world sees it."""
        return self.public_base_url or f"http://{self.host}:{self.port}"

    def link_secret_bytes(self) -> bytes:
        """LINK_SECRET, or one generated once and kept in DATA_DIR (so links survive a restart)."""
        if self.link_secret:
            return self.link_secret.encode()
        import secrets

        path = self.data_dir / "link-secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip().encode()

    @property
    def directory_path(self) -> Path:
        from storage.directory import example_path

        return self.contacts_file or example_path(self.protocol_profile)

    @property
    def sqlalchemy_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'strategy-bot.db'}"


_ENV_NAMES = {"app_password": "MICROSOFT_APP_PASSWORD", "app_id": "MICROSOFT_APP_ID", "app_tenant_id": "MICROSOFT_APP_TENANT_ID",
              "app_type": "MICROSOFT_APP_TYPE"}


def load_settings(**overrides) -> Settings:
    """Read and cross-check the settings; raise SettingsError with one line on any problem."""
    try:
        settings = Settings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        raise SettingsError(f"{_ENV_NAMES.get(field, field.upper())}: {first['msg']}") from None
    _check(settings)
    return settings


def on_loopback(host: str) -> bool:
    """Whether an address the service listens on is reachable from this machine only."""
    import ipaddress

    host = host.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name (this machine's own, or any other), or "" for every interface
        return False


def check_listening(settings: Settings, host: str) -> None:
    """Local mode takes anyone who reaches it for a chair (no token is checked), so it listens on this
    machine only, unless LOCAL_MODE_ON_NETWORK says otherwise: a privacy trial found the image (HOST=0.0.0.0)
    started without MICROSOFT_APP_ID serving the tab's API and /_debug to the whole network."""
    if settings.local_mode and not settings.local_mode_on_network and not on_loopback(host):
        raise SettingsError(f"HOST: local mode (no MICROSOFT_APP_ID) accepts requests without authentication, so it listens on "
                            f"127.0.0.1, ::1 or localhost only, not {host or 'every interface'}; set MICROSOFT_APP_ID and "
                            "MICROSOFT_APP_PASSWORD, or HOST=127.0.0.1, or LOCAL_MODE_ON_NETWORK=yes to serve it there anyway")


def _check(settings: Settings) -> None:
    from protocol import ProfileError, load_profile
    from storage.urls import DatabaseUrlError, normalise_database_url
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if settings.app_id and settings.app_type != "UserAssignedMSI" and not settings.app_password:
        raise SettingsError("MICROSOFT_APP_PASSWORD: required when MICROSOFT_APP_ID is set (or set MICROSOFT_APP_TYPE=UserAssignedMSI)")
    if settings.app_type in ("SingleTenant", "UserAssignedMSI") and not settings.app_tenant_id:
        raise SettingsError(f"MICROSOFT_APP_TENANT_ID: required when MICROSOFT_APP_TYPE is {settings.app_type}")
    try:
        load_profile(settings.protocol_profile)
    except ProfileError as error:
        raise SettingsError(f"PROTOCOL_PROFILE: {error}") from None
    try:
        ZoneInfo(settings.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"TIME_ZONE: unknown time zone {settings.time_zone!r}") from None
    try:
        normalise_database_url(settings.sqlalchemy_url)
    except DatabaseUrlError as error:
        raise SettingsError(f"DATABASE_URL: {error}") from None
    from storage.directory import DirectoryError, load_directory

    try:
        load_directory(settings.directory_path)
    except DirectoryError as error:
        raise SettingsError(f"CONTACTS_FILE: {error}") from None
    if settings.chairs_group_id and not settings.graph_configured:
        raise SettingsError("CHAIRS_GROUP_ID: needs the GRAPH_* settings, to read the group's members")
    if settings.managers_group_id and not settings.graph_configured:
        raise SettingsError("MANAGERS_GROUP_ID: needs the GRAPH_* settings, to read the group's members")
    graph = settings._graph_settings()
    if any(graph.values()) and not all(graph.values()):
        names = ", ".join(graph)
        raise SettingsError(f"GRAPH_*: with GRAPH_CREDENTIAL={settings.graph_credential}, set all of {names}, or none")
    if settings.graph_credential == "certificate" and settings.graph_certificate_path and not settings.graph_certificate_path.is_file():
        raise SettingsError(f"GRAPH_CERTIFICATE_PATH: no such file {settings.graph_certificate_path}")
    check_listening(settings, settings.host)
