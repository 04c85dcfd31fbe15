"""The monthly appraisals: opening a campus's month or one worker's, items, communication,
answers, disputes, finalising, publishing, corrections and closing (rows of the command table)."""

from __future__ import annotations

from services.hr_eval.commands import COMMANDS

router = COMMANDS.router("appraisals")
