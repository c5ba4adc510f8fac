"""Settings: read once at start-up from the environment (and `.env`), frozen, passed down.

Every setting has a default and a help text; `ltsa settings` prints them. Secrets come only
from the environment; `LTSA_SECRET_KEY` is generated into `var/` on first run when unset.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _meta(help_text: str, env: str) -> dict[str, str]:
    return {"help": help_text, "env": env}


@dataclass(frozen=True)
class Settings:
    """The service's configuration; one instance per process."""

    port: int = field(default=8000, metadata=_meta("HTTP port of the gateway", "PORT"))
    host: str = field(default="127.0.0.1", metadata=_meta("address the gateway binds", "HOST"))
    database_url: str = field(
        default="sqlite:///var/ltsa.db",
        metadata=_meta("SQLAlchemy URL (sqlite:///… or postgresql://…)", "DATABASE_URL"),
    )
    secret_key: str = field(
        default="",
        repr=False,
        metadata=_meta(
            "key for encrypting protection data and signing sessions; generated into var/ "
            "on first run when unset",
            "LTSA_SECRET_KEY",
        ),
    )
    rasa_url: str = field(
        default="",
        metadata=_meta("use an already running Rasa server instead of starting one", "RASA_URL"),
    )
    rasa_token: str = field(
        default="",
        repr=False,
        metadata=_meta("auth token of the Rasa server at RASA_URL", "RASA_TOKEN"),
    )
    rasa_port: int = field(
        default=5005, metadata=_meta("port of the Rasa server the gateway starts", "RASA_PORT")
    )
    rasa_start_timeout: float = field(
        default=180.0,
        metadata=_meta("seconds to wait for the Rasa server at start-up", "RASA_START_TIMEOUT"),
    )
    nlu_timeout: float = field(
        default=3.0, metadata=_meta("seconds to wait for one NLU parse", "NLU_TIMEOUT")
    )
    rasa_processes: int = field(
        default=1,
        metadata=_meta(
            "Rasa servers the gateway starts (about 1 GB each); parses go to the least busy",
            "RASA_PROCESSES",
        ),
    )
    gateway_workers: int = field(
        default=1,
        metadata=_meta(
            "gateway processes answering HTTP on the one port (PostgreSQL only: with SQLite "
            "the gateway keeps one); each has DATABASE_POOL_SIZE connections",
            "GATEWAY_WORKERS",
        ),
    )
    nlu_cache_seconds: float = field(
        default=600.0,
        metadata=_meta(
            "seconds a parse is reused for the same text (0: every text is parsed)",
            "NLU_CACHE_SECONDS",
        ),
    )
    nlu_cache_size: int = field(
        default=10_000, metadata=_meta("texts the parse cache keeps at most", "NLU_CACHE_SIZE")
    )
    db_pool_size: int = field(
        default=10,
        metadata=_meta(
            "PostgreSQL connections per gateway process (as many again in bursts)",
            "DATABASE_POOL_SIZE",
        ),
    )
    server_timing: bool = field(
        default=False,
        metadata=_meta(
            "add a Server-Timing header (time per pipeline stage) to every response",
            "LTSA_SERVER_TIMING",
        ),
    )
    demo_data: bool = field(
        default=True,
        metadata=_meta("load the demo LTSA data (sessions, staff) at start", "LTSA_DEMO_DATA"),
    )
    default_ltsa: str = field(
        default="",
        metadata=_meta(
            "slug of the LTSA this deployment serves (asked from the user when empty)",
            "LTSA_DEFAULT",
        ),
    )
    slot_minutes: int = field(
        default=30, metadata=_meta("length of one desk appointment slot", "LTSA_SLOT_MINUTES")
    )
    slot_capacity: int = field(
        default=2,
        metadata=_meta("people one desk serves per slot", "LTSA_DESK_SLOT_CAPACITY"),
    )
    public_url: str = field(
        default="",
        metadata=_meta(
            "public base URL of the gateway, for calendar links (http://HOST:PORT when empty)",
            "LTSA_PUBLIC_URL",
        ),
    )
    scheduler_interval: float = field(
        default=30.0,
        metadata=_meta("seconds between scheduler polls for due jobs", "LTSA_SCHEDULER_INTERVAL"),
    )
    timezone: str = field(
        default="Asia/Jakarta",
        metadata=_meta("time zone of office hours unless an LTSA file names one", "LTSA_TIMEZONE"),
    )
    case_pickup_minutes: int = field(
        default=30,
        metadata=_meta(
            "minutes (of office hours; urgent and high: any time) before a case nobody took "
            "is escalated: the user gets the hotlines, supervisors see it flagged",
            "LTSA_CASE_PICKUP_MINUTES",
        ),
    )
    case_sweep_seconds: float = field(
        default=60.0,
        metadata=_meta(
            "seconds between escalation and retention rounds", "LTSA_CASE_SWEEP_SECONDS"
        ),
    )
    staff_online_minutes: int = field(
        default=15,
        metadata=_meta(
            "a worker on duty counts as present if the console saw them this recently",
            "LTSA_STAFF_ONLINE_MINUTES",
        ),
    )
    retention_days: int = field(
        default=365,
        metadata=_meta(
            "days after a user's last message (with no open case) before their data is erased",
            "LTSA_RETENTION_DAYS",
        ),
    )
    console_secure_cookie: bool = field(
        default=False,
        metadata=_meta(
            "mark console cookies Secure (set when the console is served over https; they are "
            "also Secure whenever a request arrives over https)",
            "LTSA_CONSOLE_SECURE_COOKIE",
        ),
    )
    console_session_hours: float = field(
        default=12.0,
        metadata=_meta("hours a console login lasts", "LTSA_CONSOLE_SESSION_HOURS"),
    )
    login_max_failures: int = field(
        default=5,
        metadata=_meta(
            "failed console logins per account within the window before it is locked for the "
            "rest of the window (per address: four times as many)",
            "LTSA_LOGIN_MAX_FAILURES",
        ),
    )
    login_window_minutes: int = field(
        default=15,
        metadata=_meta("window of the login throttle, in minutes", "LTSA_LOGIN_WINDOW_MINUTES"),
    )
    log_level: str = field(default="INFO", metadata=_meta("logging level", "LOG_LEVEL"))
    var_dir: Path = field(
        default=ROOT / "var", metadata=_meta("runtime files (database, keys)", "LTSA_VAR_DIR")
    )
    models_dir: Path = field(
        default=ROOT / "models", metadata=_meta("trained NLU models", "LTSA_MODELS_DIR")
    )
    cache_dir: Path = field(
        default=Path.home() / ".cache" / "ltsa-assistant",
        metadata=_meta("cache of trained NLU models, keyed by data hash", "LTSA_CACHE_DIR"),
    )
    # Channels: Telegram and WhatsApp are off while their token is unset.
    telegram_token: str = field(
        default="",
        repr=False,
        metadata=_meta(
            "Telegram bot token from BotFather; Telegram is off when unset", "TELEGRAM_TOKEN"
        ),
    )
    telegram_webhook_secret: str = field(
        default="",
        repr=False,
        metadata=_meta(
            "secret Telegram sends in X-Telegram-Bot-Api-Secret-Token (A-Z a-z 0-9 _ -)",
            "TELEGRAM_WEBHOOK_SECRET",
        ),
    )
    telegram_api_base_url: str = field(
        default="https://api.telegram.org/bot",
        metadata=_meta("Bot API base (a proxy, or a fake in tests)", "TELEGRAM_API_BASE_URL"),
    )
    telegram_polling: bool = field(
        default=False,
        metadata=_meta(
            "fetch Telegram updates with getUpdates instead of a webhook (small deployments)",
            "TELEGRAM_POLLING",
        ),
    )
    telegram_rate: float = field(
        default=30.0, metadata=_meta("Telegram messages per second, overall", "TELEGRAM_RATE")
    )
    telegram_chat_rate: float = field(
        default=1.0,
        metadata=_meta("Telegram messages per second to one chat", "TELEGRAM_CHAT_RATE"),
    )
    telegram_chat_burst: int = field(
        default=3,
        metadata=_meta("Telegram messages sent at once to one chat", "TELEGRAM_CHAT_BURST"),
    )
    whatsapp_token: str = field(
        default="",
        repr=False,
        metadata=_meta(
            "WhatsApp Cloud API access token; WhatsApp is off when unset", "WHATSAPP_TOKEN"
        ),
    )
    whatsapp_app_secret: str = field(
        default="",
        repr=False,
        metadata=_meta(
            "Meta app secret: checks X-Hub-Signature-256 on webhooks", "WHATSAPP_APP_SECRET"
        ),
    )
    whatsapp_verify_token: str = field(
        default="",
        repr=False,
        metadata=_meta(
            "token Meta echoes when verifying the webhook (you choose it)",
            "WHATSAPP_VERIFY_TOKEN",
        ),
    )
    whatsapp_phone_number_id: str = field(
        default="",
        metadata=_meta("WhatsApp business phone number ID", "WHATSAPP_PHONE_NUMBER_ID"),
    )
    whatsapp_api_base_url: str = field(
        default="https://graph.facebook.com",
        metadata=_meta("Graph API base (a proxy, or a fake in tests)", "WHATSAPP_API_BASE_URL"),
    )
    whatsapp_api_version: str = field(
        default="v24.0", metadata=_meta("Graph API version", "WHATSAPP_API_VERSION")
    )
    whatsapp_rate: float = field(
        default=80.0,
        metadata=_meta("WhatsApp messages per second, overall", "WHATSAPP_RATE"),
    )
    whatsapp_chat_rate: float = field(
        default=0.17,
        metadata=_meta(
            "WhatsApp messages per second to one user (Meta's pair rate)", "WHATSAPP_CHAT_RATE"
        ),
    )
    whatsapp_chat_burst: int = field(
        default=10,
        metadata=_meta("WhatsApp messages sent at once to one user", "WHATSAPP_CHAT_BURST"),
    )
    whatsapp_templates: str = field(
        default="",
        metadata=_meta(
            "approved templates for messages outside the 24-hour window, JSON "
            '{"<kind>": {"<language>": "<template name>"}}; kind "default" is the fallback',
            "WHATSAPP_TEMPLATES",
        ),
    )
    outbox_max_attempts: int = field(
        default=8,
        metadata=_meta("send attempts before a message is marked failed", "OUTBOX_MAX_ATTEMPTS"),
    )
    outbox_retry_seconds: float = field(
        default=2.0,
        metadata=_meta(
            "first retry delay; doubles with every attempt (at most 10 minutes)",
            "OUTBOX_RETRY_SECONDS",
        ),
    )
    platform_timeout: float = field(
        default=10.0,
        metadata=_meta(
            "seconds to wait for a Telegram or WhatsApp API call before it is retried later",
            "PLATFORM_TIMEOUT",
        ),
    )
    outbox_poll_seconds: float = field(
        default=1.0,
        metadata=_meta("how often the sender looks for due messages", "OUTBOX_POLL_SECONDS"),
    )
    broadcast_window_seconds: float = field(
        default=2.0,
        metadata=_meta(
            "announcements wait in the outbox for at most this many seconds of a platform's rate "
            "(replies to people writing now wait behind no more)",
            "LTSA_BROADCAST_WINDOW_SECONDS",
        ),
    )
    broadcast_poll_seconds: float = field(
        default=1.0,
        metadata=_meta(
            "how often the broadcast worker looks for queued announcements",
            "LTSA_BROADCAST_POLL_SECONDS",
        ),
    )

    @property
    def rasa_managed(self) -> bool:
        """True when the gateway starts and watches its own Rasa server."""
        return not self.rasa_url

    @property
    def telegram_enabled(self) -> bool:
        """True when a Telegram bot token is configured."""
        return bool(self.telegram_token)

    @property
    def whatsapp_enabled(self) -> bool:
        """True when a WhatsApp Cloud API token is configured."""
        return bool(self.whatsapp_token)


def _convert(raw: str, default: object) -> object:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, Path):  # ~ is the home folder; a relative path is under the repository
        return ROOT / Path(raw).expanduser()
    return raw


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Builds the settings from the environment (plus `.env` at the repository root)."""
    if environ is None:
        from dotenv import dotenv_values

        dot = {k: v for k, v in dotenv_values(ROOT / ".env").items() if v is not None}
        environ = {**dot, **os.environ}
    values: dict[str, object] = {}
    for f in fields(Settings):
        env = f.metadata["env"]
        if env in environ and environ[env] != "":
            values[f.name] = _convert(environ[env], f.default)
    values.update(overrides)
    settings = Settings(**values)  # type: ignore[arg-type]
    if not settings.secret_key:
        settings = Settings(**{**values, "secret_key": _secret_from_var(settings.var_dir)})  # type: ignore[arg-type]
    return settings


def _secret_from_var(var_dir: Path) -> str:
    """Reads the generated secret key from var/, creating it on first run."""
    path = var_dir / "secret.key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key


def describe() -> list[tuple[str, str, str]]:
    """(variable, default, help) for every setting, for `ltsa settings` and the README."""
    return [
        (f.metadata["env"], "" if f.name == "secret_key" else str(f.default), f.metadata["help"])
        for f in fields(Settings)
    ]
