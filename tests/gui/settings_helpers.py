"""Fixtures for the settings and shared-widget GUI tests (imported by the test modules).

QSettings already go to a temporary folder (the autouse fixture in conftest.py); the questions the
widgets ask (prompts) are answered by the `answers` fixture, which records what was shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from crm_desktop.core.actor import Actor
from crm_desktop.core.changes import Changes
from crm_desktop.core.db import Database
from crm_desktop.ui.context import AppContext
from crm_desktop.ui.widgets import prompts
from crm_desktop.ui.widgets.conflict_dialog import describe_row


@dataclass
class Answers:
    """What the widgets asked and told, and how the test answers."""

    confirm: bool = True
    conflict: str | None = None
    errors: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> Answers:
    given = Answers()

    def confirm(_parent: Any, _title: str, text: str) -> bool:
        given.questions.append(text)
        return given.confirm

    def show_error(_parent: Any, exc: BaseException) -> None:
        given.errors.append(str(exc))

    def ask_conflict(dialog: Any) -> str | None:
        """The conflict dialog as text (who saved, each field), answered with `conflict`."""
        lines = [dialog.header.text(), *(describe_row(row) for row in dialog.rows)]
        given.conflicts.append("\n".join(lines))
        if given.conflict is not None:
            dialog.answer(given.conflict)
        return dialog.decision

    monkeypatch.setattr(prompts, "confirm", confirm)
    monkeypatch.setattr(prompts, "show_error", show_error)
    monkeypatch.setattr(prompts, "ask_conflict", ask_conflict)
    return given


@dataclass
class Notified:
    changes: list[Changes] = field(default_factory=list)

    def kinds(self) -> set[str]:
        return set().union(*(c.kinds for c in self.changes)) if self.changes else set()


def make_ctx(db: Database, actor: Actor) -> tuple[AppContext, Notified]:
    ctx = AppContext(db, actor)
    notified = Notified()
    ctx.bus.changed.connect(notified.changes.append)
    return ctx, notified


T = TypeVar("T", bound=QWidget)


def show_tab(
    qtbot: QtBot,
    db: Database,
    actor: Actor,
    make: Callable[[AppContext], T],
    size: tuple[int, int],
) -> tuple[T, AppContext, Notified]:
    """A tab (or page) as the main window shows it: visible, refreshed by the change bus."""
    ctx, notified = make_ctx(db, actor)
    tab = make(ctx)
    qtbot.addWidget(tab)
    ctx.bus.changed.connect(tab.refresh)  # type: ignore[attr-defined]
    tab.resize(*size)
    tab.show()
    return tab, ctx, notified
