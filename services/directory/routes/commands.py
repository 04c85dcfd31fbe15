"""Command routes: the directory's table (``services.directory.commands``), for admins only."""

from __future__ import annotations

from fastapi import Depends

from services.directory.commands import COMMANDS
from services.directory.common import ADMINS
from services.eventkit.app import CurrentPrincipal


async def directory_admin(principal: CurrentPrincipal) -> None:
    """Only district (or platform) admins change the directory; checked before any lookup."""
    principal.require_role(*ADMINS)


router = COMMANDS.router("commands", dependencies=[Depends(directory_admin)])
