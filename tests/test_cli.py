import json

import pytest

from scimlkit import __version__
from scimlkit.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_unknown_command_is_one_line_exit_2(capsys):
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid choice" in err


def test_input_error_is_one_line_and_debug_shows_traceback(capsys):
    assert main(["demo", "--only", "nothing"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("scimlkit: error:") and err.count("\n") == 1
    from scimlkit._errors import InputError

    with pytest.raises(InputError):
        main(["demo", "--only", "nothing", "--debug"])


def test_emit_json_and_table(capsys):
    from scimlkit.cli import emit

    emit({"a": 1.5, "b": float("nan")}, "json")
    assert json.loads(capsys.readouterr().out) == {"a": 1.5, "b": None}
    emit({"a": 1.5}, "table", title="T")
    assert "1.5" in capsys.readouterr().out
