"""`crm-desktop --smoke`: every tab built and a chart drawn, or exit code 1 with the traceback."""

from __future__ import annotations

import pytest

from crm_desktop import app
from crm_desktop.ui import main_window, qt_translations, smoke
from crm_desktop.ui.launcher import Launcher


def test_smoke_builds_every_tab_of_the_window_and_draws_a_chart(logged_in):
    built = smoke.run(logged_in.window)

    assert built == logged_in.window.tab_keys()
    assert "statistics" in built


def test_a_tab_that_cannot_be_built_ends_the_smoke_run_with_code_one_and_the_traceback(
    logged_in, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    real_build = main_window.build_tab

    def broken_statistics(spec, ctx):  # type: ignore[no-untyped-def]
        if spec.key == "statistics":
            raise ImportError("No module named 'matplotlib.backends.backend_qtagg'")
        return real_build(spec, ctx)

    monkeypatch.setattr(main_window, "build_tab", broken_statistics)

    app.smoke_test(logged_in)

    assert logged_in.exit_code == 1
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert "backend_qtagg" in err


def test_smoke_refuses_chinese_windows_without_qt_own_chinese_strings():
    Launcher.apply_language("zh_CN")
    smoke.check_qt_translation()  # qtbase_zh_CN.qm found: 取消, not Cancel

    qt_translations.install("en")  # Qt's translation gone, the app's own strings still Chinese

    with pytest.raises(RuntimeError, match="qtbase_zh_CN"):
        smoke.check_qt_translation()
