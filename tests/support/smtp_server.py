"""A real SMTP server for the tests (aiosmtpd, on a loopback port, in its own
thread), that requires AUTH LOGIN/PLAIN with the given credentials and keeps
every message it accepted, parsed."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int, username: str, password: str) -> None:
        self.inbox = _Inbox()
        self.logins: list[str] = []
        self._credentials = (username.encode(), password.encode())
        self._controller = Controller(
            self.inbox,
            hostname="127.0.0.1",
            port=port,
            authenticator=self._authenticate,
            auth_required=True,
            # Loopback only, in a test: no TLS certificate to set up.
            auth_require_tls=False,
        )

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            (auth_data.login, auth_data.password) == self._credentials
        )
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()
