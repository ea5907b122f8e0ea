"""All configuration, read from the environment (the original's variable names kept)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any, Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "dev-only-insecure-jwt-secret-change-me"  # noqa: S105 - refused outside development
SANDBOX_SECRET_KEY = "sk_test_sandbox"  # noqa: S105 - the in-process test gateway's key
SANDBOX_WEBHOOK_SECRET = "whsec_sandbox"  # noqa: S105 - refused with real Stripe in production
SANDBOX_MOUNT = "/sandbox/stripe"
SANDBOX_OPT_IN = "SEATGUARD_SANDBOX_ENABLED"
REAL_KEY_PREFIXES = ("sk_live_", "sk_test_", "rk_live_", "rk_test_")


class PaymentConfigurationError(ValueError):
    """This configuration must not take payments (production without real Stripe)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    env: Literal["development", "test", "production"] = Field(
        default="development", validation_alias=AliasChoices("SEATGUARD_ENV", "ENV_MODE")
    )
    database_url: str = Field(
        default="sqlite:///./seatguard.db", validation_alias=AliasChoices("DATABASE_URL", "DB_URL")
    )
    db_pool_size: int = Field(default=10, ge=1, validation_alias="DB_POOL_SIZE")

    jwt_secret: str = Field(
        default=DEV_JWT_SECRET, validation_alias=AliasChoices("JWT_SECRET", "SECRET_JWT")
    )
    jwt_issuer: str = Field(default="seatguard-auth", validation_alias="JWT_ISSUER")
    jwt_audience: str = Field(default="seatguard", validation_alias="JWT_AUDIENCE")
    jwt_lifetime: str = Field(default="30d", validation_alias="EXPIRED_TOKEN_JWT")
    # Auth service: its own database (defaults to DATABASE_URL); Ed25519 keys (PEM text or a
    # path to a PEM file) switch tokens from HS256 to EdDSA; login throttling.
    auth_database_url: str | None = Field(default=None, validation_alias="AUTH_DATABASE_URL")
    auth_private_key: str | None = Field(default=None, validation_alias="AUTH_PRIVATE_KEY")
    jwt_public_key: str | None = Field(default=None, validation_alias="JWT_PUBLIC_KEY")
    jwks_url: str | None = Field(default=None, validation_alias="JWKS_URL")
    auth_port: int = Field(default=3000, validation_alias="AUTH_PORT")
    # How long a user's role and session version are cached per process (role changes and
    # `seatguard users revoke` take effect within this; at most a minute).
    role_cache_seconds: float = Field(
        default=30, gt=0, le=60, validation_alias="ROLE_CACHE_SECONDS"
    )
    # Login backoff: free failures per address-and-account and per account, then waits that
    # double up to LOGIN_BACKOFF_MAX; counts are forgotten after LOGIN_THROTTLE_WINDOW.
    login_max_failures: int = Field(default=5, ge=1, validation_alias="LOGIN_MAX_FAILURES")
    login_max_failures_per_account: int = Field(
        default=20, ge=1, validation_alias="LOGIN_MAX_FAILURES_PER_ACCOUNT"
    )
    login_backoff_max: str = Field(default="1m", validation_alias="LOGIN_BACKOFF_MAX")
    login_throttle_window: str = Field(default="15m", validation_alias="LOGIN_THROTTLE_WINDOW")
    # Reverse proxies whose X-Forwarded-For/-Proto are believed: addresses or networks, comma
    # separated. None by default, so a client cannot choose the address it is throttled under.
    trusted_proxies: str = Field(
        default="", validation_alias=AliasChoices("TRUSTED_PROXIES", "FORWARDED_ALLOW_IPS")
    )

    hold_minutes: float = Field(default=15, gt=0, le=24 * 60, validation_alias="HOLD_MINUTES")
    max_holds_per_event: int = Field(default=8, ge=1, validation_alias="MAX_HOLDS_PER_EVENT")
    sweep_interval_seconds: float = Field(default=5.0, gt=0, validation_alias="SWEEP_INTERVAL")
    # How long seats offered to the next on an event's waiting list stay held for them.
    waitlist_offer_minutes: float = Field(
        default=30, gt=0, le=7 * 24 * 60, validation_alias="WAITLIST_OFFER_MINUTES"
    )
    # Live seat maps (server-sent events): seconds between heartbeats (and map re-reads).
    sse_heartbeat_seconds: float = Field(default=15.0, gt=0, validation_alias="SSE_HEARTBEAT")
    # A big seat map (over 5,000 seats) is written again from the announced changes at most
    # once per this many milliseconds; a read may be served one up to twice this old.
    seat_map_rewrite_ms: int = Field(
        default=1000, ge=0, le=60_000, validation_alias="SEAT_MAP_REWRITE_MS"
    )

    host: str = Field(default="127.0.0.1", validation_alias="HOST")
    port: int = Field(default=4000, validation_alias="PORT")
    workers: int = Field(default=1, ge=1, validation_alias="WORKERS")
    cors_origins: str = Field(
        default="", validation_alias=AliasChoices("CORS_ORIGINS", "MY_FRONTEND_URL")
    )
    max_body_bytes: int = Field(default=1_000_000, validation_alias="MAX_BODY_BYTES")
    # Event posters: files under POSTER_DIR (served at /posters), or an S3 bucket when set.
    poster_dir: str = Field(default="./posters", validation_alias="POSTER_DIR")
    poster_s3_bucket: str | None = Field(default=None, validation_alias="POSTER_S3_BUCKET")
    poster_public_base_url: str | None = Field(
        default=None, validation_alias="POSTER_PUBLIC_BASE_URL"
    )  # where browsers load the bucket's objects (a CDN or the bucket's website)
    # Logs: JSON lines (default outside development) or plain text; LOG_LEVEL for the root.
    log_format: Literal["json", "text"] | None = Field(default=None, validation_alias="LOG_FORMAT")
    log_level: str = Field(default="INFO", validation_alias="LOG_LEVEL")

    queue_url: str = Field(
        default="db", validation_alias=AliasChoices("QUEUE_URL", "SQS_QUEUE_URL")
    )  # "db" or an SQS queue URL
    aws_region: str = Field(
        default="us-east-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION")
    )
    aws_endpoint_url: str | None = Field(default=None, validation_alias="AWS_ENDPOINT_URL")
    queue_max_attempts: int = Field(default=8, ge=1, validation_alias="QUEUE_MAX_ATTEMPTS")
    queue_visibility_timeout: float = Field(
        default=30, gt=0, validation_alias="QUEUE_VISIBILITY_TIMEOUT"
    )

    # Tickets: Ed25519 signing key (PEM or base64 raw); unset in dev/test → kept in a local file.
    ticket_signing_key: str | None = Field(default=None, validation_alias="TICKET_SIGNING_KEY")
    ticket_key_file: str = Field(
        default=".seatguard-ticket-key.pem", validation_alias="TICKET_KEY_FILE"
    )
    # Door: unknown short codes a staff user may try at once, then refilled per second.
    checkin_guess_burst: int = Field(default=5, ge=1, validation_alias="CHECKIN_GUESS_BURST")
    checkin_guess_rate: float = Field(default=1.0, gt=0, validation_alias="CHECKIN_GUESS_RATE")

    # Email: SMTP when SMTP_HOST is set, else .eml files in EMAIL_OUTBOX_DIR.
    smtp_host: str | None = Field(default=None, validation_alias="SMTP_HOST")
    smtp_port: int = Field(default=587, validation_alias="SMTP_PORT")
    smtp_user: str | None = Field(default=None, validation_alias="SMTP_USER")
    smtp_pass: str | None = Field(default=None, validation_alias="SMTP_PASS")
    smtp_security: Literal["starttls", "ssl", "none"] = Field(
        default="starttls", validation_alias="SMTP_SECURITY"
    )
    smtp_timeout: float = Field(default=15.0, gt=0, validation_alias="SMTP_TIMEOUT")
    email_from: str = Field(
        default="SeatGuard <tickets@seatguard.local>",
        validation_alias=AliasChoices("EMAIL_FROM", "SMTP_FROM"),
    )
    email_outbox_dir: str = Field(default="./outbox", validation_alias="EMAIL_OUTBOX_DIR")

    # Payments. Without a real STRIPE_SECRET_KEY the sandbox gateway is mounted in-process at
    # {PUBLIC_BASE_URL}/sandbox/stripe and the Stripe adapter talks to it. Production takes real
    # Stripe only, unless SEATGUARD_SANDBOX_ENABLED=true declares a test deployment.
    public_base_url: str = Field(
        default="http://127.0.0.1:4000", validation_alias="PUBLIC_BASE_URL"
    )
    stripe_secret_key: str = Field(default=SANDBOX_SECRET_KEY, validation_alias="STRIPE_SECRET_KEY")
    stripe_webhook_secret: str = Field(
        default=SANDBOX_WEBHOOK_SECRET, validation_alias="STRIPE_WEBHOOK_SECRET"
    )
    stripe_api_base: str | None = Field(default=None, validation_alias="STRIPE_API_BASE")
    stripe_success_url: str = Field(default="", validation_alias="STRIPE_SUCCESS_URL")
    stripe_cancel_url: str = Field(default="", validation_alias="STRIPE_CANCEL_URL")
    sandbox: bool | None = Field(default=None, validation_alias="SANDBOX")
    sandbox_in_production: bool = Field(default=False, validation_alias=SANDBOX_OPT_IN)

    # Ticket download links (signed, expiring); PUBLIC_TICKET_LINKS serves them to anyone.
    ticket_link_secret: str | None = Field(default=None, validation_alias="TICKET_LINK_SECRET")
    ticket_link_ttl: str = Field(default="24h", validation_alias="TICKET_LINK_TTL")
    public_ticket_links: bool = Field(default=False, validation_alias="PUBLIC_TICKET_LINKS")

    @model_validator(mode="before")
    @classmethod
    def _original_env_names(cls, data: Any) -> Any:
        from seatguard.compat.env import translate

        if isinstance(data, dict):
            translate(data)
        return data

    @model_validator(mode="after")
    def _payment_defaults(self) -> Settings:
        base = self.public_base_url.rstrip("/")
        if not self.stripe_success_url:
            self.stripe_success_url = (
                f"{base}/checkout/success?order_id={{ORDER_ID}}&session_id={{CHECKOUT_SESSION_ID}}"
            )
        if not self.stripe_cancel_url:
            self.stripe_cancel_url = f"{base}/checkout/cancel?order_id={{ORDER_ID}}"
        return self

    @property
    def test_payments_allowed(self) -> bool:
        """Outside production always; in production only with SEATGUARD_SANDBOX_ENABLED=true."""
        return self.env != "production" or self.sandbox_in_production

    @property
    def real_stripe_key(self) -> bool:
        key = self.stripe_secret_key
        prefix = next((p for p in REAL_KEY_PREFIXES if key.startswith(p)), None)
        return prefix is not None and len(key) > len(prefix) and key != SANDBOX_SECRET_KEY

    @property
    def sandbox_enabled(self) -> bool:
        """SANDBOX when set; otherwise on while no real Stripe key is configured, and never by
        default in production (there it takes SEATGUARD_SANDBOX_ENABLED=true)."""
        if self.sandbox is not None:
            return self.sandbox
        if not self.test_payments_allowed:
            return False
        return self.stripe_secret_key == SANDBOX_SECRET_KEY and self.stripe_api_base is None

    def payment_problem(self) -> str | None:
        """Why this configuration must not take payments, or ``None`` when it may."""
        if self.test_payments_allowed:
            return None
        opt_in = f"set {SANDBOX_OPT_IN}=true only for a test deployment that takes sandbox payments"
        if self.sandbox:
            return f"SANDBOX=true mounts the test payment gateway; in production {opt_in}"
        if not self.real_stripe_key:
            return (
                "STRIPE_SECRET_KEY must be a real Stripe secret key (sk_live_… or sk_test_…) "
                f"in production; {opt_in}"
            )
        if self.stripe_webhook_secret == SANDBOX_WEBHOOK_SECRET:
            return "STRIPE_WEBHOOK_SECRET must be set when using real Stripe"
        return None

    def require_payments_configured(self) -> None:
        """Refuse to start a service that takes payments with a configuration that must not."""
        problem = self.payment_problem()
        if problem is not None:
            raise PaymentConfigurationError(problem)

    @property
    def sandbox_base_url(self) -> str:
        return f"{self.public_base_url.rstrip('/')}{SANDBOX_MOUNT}"

    @property
    def stripe_webhook_url(self) -> str:
        return f"{self.public_base_url.rstrip('/')}/api/v1/stripe/webhook"

    @model_validator(mode="after")
    def _refuse_default_secrets_in_production(self) -> Settings:
        if self.env == "production" and self.jwt_secret == DEV_JWT_SECRET:
            raise ValueError("JWT_SECRET must be set to a real secret in production")
        return self

    @model_validator(mode="after")
    def _trusted_proxies_are_addresses(self) -> Settings:
        for entry in self.trusted_proxy_list:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError as exc:
                raise ValueError(
                    f"TRUSTED_PROXIES: {entry!r} is not an IP address or network"
                ) from exc
        return self

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @property
    def uvicorn_proxy_options(self) -> dict[str, Any]:
        """uvicorn's forwarded-header options: trust only TRUSTED_PROXIES (uvicorn's own
        default would trust loopback)."""
        trusted = self.trusted_proxy_list
        return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted}

    @property
    def resolved_log_format(self) -> Literal["json", "text"]:
        return self.log_format or ("text" if self.env == "development" else "json")

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @property
    def auth_db_url(self) -> str:
        return self.auth_database_url or self.database_url


@lru_cache
def get_settings() -> Settings:
    return Settings()
