"""Auth HTTP routes: parse, call a service, format. Mounted at ``/auth``."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from seatguard.auth import invites, service
from seatguard.auth.deps import AuthDatabaseDep, ClientAddress, PasswordsDep, PolicyDep
from seatguard.auth.schemas import (
    AcceptInvitationIn,
    JwksOut,
    LoginIn,
    ProfileIn,
    ProfileOut,
    RegisterIn,
    TokenOut,
    UserOut,
)
from seatguard.auth.standing_reads import load_standings_pg, load_standings_sqlite
from seatguard.auth.throttle import TooManyAttempts
from seatguard.auth.tokens import issue_access_token, jwks
from seatguard.common.db import Database
from seatguard.common.deps import CurrentUser, NowDep, SettingsDep
from seatguard.common.errors import error_body, localised_body
from seatguard.common.pgpool import AsyncPool
from seatguard.common.schemas import ERROR_RESPONSES
from seatguard.common.sqlite_reader import SqliteReader, database_file
from seatguard.common.standing import Closer, LoadMany, StandingCache
from seatguard.settings import Settings

router = APIRouter(tags=["auth"], responses=ERROR_RESPONSES)
keys_router = APIRouter(tags=["auth"])


@router.post("/register", status_code=201, response_model=UserOut)
def register(
    body: RegisterIn, db: AuthDatabaseDep, passwords: PasswordsDep, now: NowDep
) -> UserOut:
    user = service.register(
        db,
        passwords=passwords,
        email=body.email,
        password=body.password,
        name=body.name,
        now=now,
        language=body.language,
    )
    return UserOut.model_validate(user)


@router.post("/login", response_model=TokenOut, responses={429: ERROR_RESPONSES[401]})
def login(
    body: LoginIn,
    db: AuthDatabaseDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
    policy: PolicyDep,
    address: ClientAddress,
    now: NowDep,
) -> TokenOut:
    token = service.login(
        db,
        settings=settings,
        passwords=passwords,
        policy=policy,
        email=body.email,
        password=body.password,
        address=address,
        now=now,
    )
    return TokenOut(access_token=token.token, expires_in=token.expires_in)


@router.post("/invitations/accept", response_model=UserOut)
def accept_invitation(
    body: AcceptInvitationIn,
    db: AuthDatabaseDep,
    settings: SettingsDep,
    passwords: PasswordsDep,
    now: NowDep,
) -> UserOut:
    """Choose the invited account's password with the emailed link's token (works once)."""
    user = invites.accept(
        db,
        settings=settings,
        passwords=passwords,
        token=body.token,
        password=body.password,
        now=now,
    )
    return UserOut.model_validate(user)


@router.get("/me", response_model=UserOut)
def me(principal: CurrentUser, db: AuthDatabaseDep) -> UserOut:
    with db.reader() as session:
        return UserOut.model_validate(service.get_user(session, user_id=principal.user_id))


@router.patch("/me", response_model=ProfileOut)
def update_me(
    body: ProfileIn, principal: CurrentUser, db: AuthDatabaseDep, settings: SettingsDep, now: NowDep
) -> ProfileOut:
    """Change the account's name or language; the reply carries a token with the new ``lang``."""
    user = service.update_profile(
        db, user_id=principal.user_id, name=body.name, language=body.language, now=now
    )
    token = issue_access_token(
        settings, user_id=user.id, email=user.email, role=user.role, now=now, language=user.language
    )
    return ProfileOut.model_validate(
        {
            **UserOut.model_validate(user).model_dump(),
            "access_token": token.token,
            "expires_in": token.expires_in,
        }
    )


@keys_router.get("/.well-known/jwks.json", response_model=JwksOut)
def jwks_document(settings: SettingsDep) -> JwksOut:
    return JwksOut.model_validate(jwks(settings))


def _async_standing(db: Database, settings: Settings) -> tuple[LoadMany | None, Closer | None]:
    """How the standing cache reads without a thread: PostgreSQL's async pool, or a kept
    connection on the event loop for a SQLite file (none for an in-memory database)."""
    if db.dialect == "postgresql":
        pool = AsyncPool(db.url, max_size=settings.db_pool_size)
        return partial(load_standings_pg, pool), pool.close
    path = database_file(db)
    if path is None:
        return None, None
    reader = SqliteReader(path)

    async def close() -> None:
        reader.close()

    return partial(load_standings_sqlite, db, reader), close


def install_auth(app: FastAPI, *, db: Database) -> None:
    """Mount the auth routes on ``app`` (at ``/auth``) with ``db`` holding the auth tables,
    and make every token check on ``app`` follow the users' current standing there."""
    app.state.auth_db = db
    settings: Settings = app.state.settings
    load_many, close = _async_standing(db, settings)
    app.state.standings = StandingCache(
        partial(service.load_standing, db),
        ttl=timedelta(seconds=settings.role_cache_seconds),
        clock=app.state.clock,
        load_many=load_many,
        close=close,
    )

    @app.exception_handler(TooManyAttempts)
    async def _throttled(request: Request, exc: TooManyAttempts) -> JSONResponse:
        return JSONResponse(
            localised_body(request, error_body(exc.code, exc.message, exc.details)),
            status_code=exc.status_code,
            headers={"Retry-After": str(exc.retry_after)},
        )

    app.include_router(router, prefix="/auth")
    app.include_router(keys_router)
