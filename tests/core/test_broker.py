"""The embedded filesystem broker never shows a worker a message that is not written whole (kombu's own creates the
file, then writes it: a worker listing the folder in between took the empty file and died)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection

from europass.core import broker


def _connection(folder: Path) -> Connection:
    (folder.parent / "control").mkdir(exist_ok=True)
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "store_processed": False,
        "control_folder": str(folder.parent / "control"),
    }
    return Connection("filesystem://", transport_options=options)


def test_the_celery_app_uses_the_broker_that_writes_messages_whole() -> None:
    from europass.celery import app

    with app.connection_for_read() as connection:
        if connection.transport_cls != "filesystem":
            pytest.skip("the suite runs on Redis here")
        assert isinstance(connection.transport, broker.Transport)


def test_a_message_appears_under_its_queue_name_only_once_written(tmp_path: Path, monkeypatch: Any) -> None:
    tmp_path = tmp_path / "queue"
    tmp_path.mkdir()
    seen: list[list[str]] = []
    real_replace = os.replace

    def watching_replace(source: str, target: str) -> None:
        seen.append(sorted(os.listdir(tmp_path)))  # what a reader would list just before the rename
        real_replace(source, target)

    monkeypatch.setattr(broker.os, "replace", watching_replace)
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue(
            f"work-{tmp_path.parent.name}"
        )  # kombu keeps exchange state per process
        queue.put({"ids": [1, 2, 3]})
        assert all(name.startswith(".") and name.endswith(".part") for name in seen[-1])
        assert queue.get(timeout=1).payload == {"ids": [1, 2, 3]}
        queue.close()


def test_a_publisher_that_fails_mid_write_leaves_no_message_behind(tmp_path: Path, monkeypatch: Any) -> None:
    tmp_path = tmp_path / "queue"
    tmp_path.mkdir()
    from kombu.exceptions import ChannelError

    def full_disk(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(broker.os, "replace", full_disk)
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue(
            f"work-{tmp_path.parent.name}"
        )  # kombu keeps exchange state per process
        with pytest.raises(ChannelError):
            queue.put({"ids": [1]})
        assert [name for name in os.listdir(tmp_path) if name.endswith(".msg")] == []
        assert [name for name in os.listdir(tmp_path) if name.endswith(".part")] == []
        queue.close()
