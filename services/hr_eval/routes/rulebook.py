"""The rule book: publishing a version (a row of the command table) and its reads."""

from __future__ import annotations

from services.hr_eval.commands import COMMANDS

router = COMMANDS.router("rule-book")
