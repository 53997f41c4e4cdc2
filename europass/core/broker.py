"""The embedded filesystem broker (no Redis: ``make run``, the tests), with messages that appear whole.

kombu's filesystem transport creates a message file and then writes it; a worker listing the queue folder in between
takes the empty file, fails to decode it and dies (``JSONDecodeError`` in ``drain_events``). A publisher killed
mid-write leaves such a file for good. Here a message is written to a hidden temporary name in the same folder, then
renamed into the queue (an atomic rename on one filesystem): a reader sees a message whole or not at all.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # Hidden and with another suffix: the reader matches "<anything>.<queue>.msg" on the first dot only.
        temporary = os.path.join(self.data_folder_out, f".{name}.part")
        try:
            with open(temporary, "wb", buffering=0) as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(temporary, final)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise ChannelError(f"Cannot add file {final!r} to directory") from error


class Transport(filesystem.Transport):
    Channel = Channel
