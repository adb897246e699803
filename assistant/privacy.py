"""Keeps secrets out of logs: every known password and identifier is masked in log records."""

from __future__ import annotations

import logging
import threading

from assistant.credentials import Credentials, mask_identifier


class SecretRedactingFilter(logging.Filter):
    """Replaces registered secrets in every record that passes through a handler."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._replacements: dict[str, str] = {}

    def register(self, credentials: Credentials) -> None:
        with self._lock:
            self._replacements[credentials.password] = "********"
            self._replacements[credentials.identifier] = mask_identifier(credentials.identifier)

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            replacements = dict(self._replacements)
        if not replacements:
            return True
        message = record.getMessage()
        for secret, mask in sorted(replacements.items(), key=lambda kv: -len(kv[0])):
            if secret:
                message = message.replace(secret, mask)
        record.msg, record.args = message, None
        return True


#: The one filter the CLI puts on its log handlers; the runner registers credentials with it.
REDACTOR = SecretRedactingFilter()
