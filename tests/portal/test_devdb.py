"""The development database's own files survive a process killed at the wrong moment."""

import pytest

from portal.devdb import repair_pid_list


@pytest.mark.parametrize("left", ["", "[12", "{}"], ids=["empty", "cut off", "not a list"])
def test_a_pid_list_left_unreadable_by_a_killed_process_is_reset(tmp_path, left):
    (tmp_path / ".handle_pids.json").write_text(left)
    assert repair_pid_list(tmp_path) is True
    assert (tmp_path / ".handle_pids.json").read_text() == "[]"


def test_a_readable_pid_list_is_left_alone(tmp_path):
    (tmp_path / ".handle_pids.json").write_text("[101, 202]")
    assert repair_pid_list(tmp_path) is False
    assert (tmp_path / ".handle_pids.json").read_text() == "[101, 202]"
