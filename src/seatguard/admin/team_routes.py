"""Back-office API for the door: staff accounts and the per-event check-in board. Admins only."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request

from seatguard.admin import audit, door, team
from seatguard.admin.schemas import (
    DoorBoardOut,
    InvitationOut,
    InviteIn,
    RoleIn,
    StaffMemberOut,
)
from seatguard.auth import invites
from seatguard.auth.deps import AuthDatabaseDep
from seatguard.common.deps import AdminUser, DatabaseDep, NowDep, ReaderDep, SettingsDep
from seatguard.common.request_language import request_language
from seatguard.common.schemas import ERROR_RESPONSES
from seatguard.common.security import Role

router = APIRouter(prefix="/admin", tags=["admin"], responses=ERROR_RESPONSES)
UserId = Annotated[str, Path(max_length=36)]


@router.get("/staff", response_model=list[StaffMemberOut])
def list_staff(auth_db: AuthDatabaseDep, _admin: AdminUser) -> list[StaffMemberOut]:
    """Every account with the staff or admin role, by email."""
    return [StaffMemberOut.model_validate(u) for u in invites.team(auth_db)]


@router.post("/staff/invitations", status_code=201, response_model=InvitationOut)
def invite(
    body: InviteIn,
    request: Request,
    auth_db: AuthDatabaseDep,
    db: DatabaseDep,
    settings: SettingsDep,
    now: NowDep,
    admin: AdminUser,
) -> InvitationOut:
    """Give EMAIL the staff or admin role (creating the account if missing) and email it a
    one-time link to choose a password, valid for three days."""
    invitation = team.invite_member(
        auth_db=auth_db,
        db=db,
        settings=settings,
        mailer=request.app.state.services.mailer,
        actor=audit.Actor.of(admin),
        email=body.email,
        role=Role(body.role),
        language=body.language or request_language(request),
        now=now,
    )
    return InvitationOut(
        member=StaffMemberOut.model_validate(invitation.user),
        created=invitation.created,
        expires_at=invitation.expires_at,
    )


@router.put("/staff/{user_id}/role", response_model=StaffMemberOut)
def change_role(
    user_id: UserId,
    body: RoleIn,
    auth_db: AuthDatabaseDep,
    db: DatabaseDep,
    now: NowDep,
    admin: AdminUser,
) -> StaffMemberOut:
    """Change an account's role (customer, staff or admin); every process follows within
    ROLE_CACHE_SECONDS."""
    user = team.change_role(
        auth_db=auth_db,
        db=db,
        actor=audit.Actor.of(admin),
        user_id=user_id,
        role=Role(body.role),
        now=now,
    )
    return StaffMemberOut.model_validate(user)


@router.post("/staff/{user_id}/revoke", response_model=StaffMemberOut)
def revoke_sessions(
    user_id: UserId, auth_db: AuthDatabaseDep, db: DatabaseDep, now: NowDep, admin: AdminUser
) -> StaffMemberOut:
    """End every session of the account: its tokens are refused within ROLE_CACHE_SECONDS."""
    user = team.revoke_sessions(
        auth_db=auth_db, db=db, actor=audit.Actor.of(admin), user_id=user_id, now=now
    )
    return StaffMemberOut.model_validate(user)


@router.get("/events/{event_id}/door", response_model=DoorBoardOut)
def door_board(event_id: uuid.UUID, session: ReaderDep, _admin: AdminUser) -> DoorBoardOut:
    """Admitted and remaining, admissions per 10 minutes and by section, the last 20 scans."""
    return door.door_board(session, event_id=event_id)
