"""Sends a password-reset code by e-mail through UPIK_SMTP_URL.

The stdlib's smtplib does the SMTP work, in a worker thread so the event
loop never waits on a mail server. `smtp://` upgrades to TLS with STARTTLS
when the server offers it; `smtps://` is TLS from the first byte (port 465
by default). Indonesian first, as the rest of UPIK speaks to citizens, with
an English line for those who read it better.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import quote, unquote, urlsplit
from zoneinfo import ZoneInfo

from backend.settings import Settings

log = logging.getLogger("upik.mail")
JAKARTA = ZoneInfo("Asia/Jakarta")
TIMEOUT_S = 20


def public_base(settings: Settings) -> str:
    return settings.public_url.rstrip("/")


def reset_link(settings: Settings, username: str) -> str:
    return f"{public_base(settings)}/app/reset?username={quote(username, safe='')}"


def sender_address(settings: Settings) -> str:
    parts = urlsplit(settings.smtp_url or "")
    user = unquote(parts.username or "")
    return user if "@" in user else f"noreply@{parts.hostname or 'localhost'}"


def compose(
    settings: Settings, *, to: str, name: str, username: str, code: str, expires_at: datetime
) -> EmailMessage:
    until = expires_at.astimezone(JAKARTA).strftime("%d-%m-%Y %H:%M WIB")
    link = reset_link(settings, username)
    message = EmailMessage()
    message["Subject"] = "Kode atur ulang kata sandi UPIK / UPIK password reset code"
    message["From"] = formataddr(("UPIK Kabupaten Cirebon", sender_address(settings)))
    message["To"] = formataddr((name, to))
    message["Message-ID"] = make_msgid(domain="upik")
    message.set_content(
        f"Halo {name},\n\n"
        f"Ada permintaan untuk mengatur ulang kata sandi akun UPIK '{username}'.\n"
        f"Kode Anda: {code}\n"
        f"Kode ini berlaku sampai {until} dan hanya dapat dipakai satu kali.\n"
        f"Buka {link} lalu masukkan kode tersebut dan kata sandi baru.\n\n"
        "Jika Anda tidak meminta ini, abaikan e-mail ini; kata sandi Anda tidak berubah.\n\n"
        f"English: your UPIK password reset code is {code}, valid until {until}, "
        f"usable once, at {link}. If you did not ask for it, ignore this e-mail.\n"
    )
    return message


def _send_blocking(smtp_url: str, message: EmailMessage) -> None:
    parts = urlsplit(smtp_url)
    secure = parts.scheme == "smtps"
    host, port = parts.hostname, parts.port or (465 if secure else 25)
    context = ssl.create_default_context()
    if secure:
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT_S, context=context)
    else:
        client = smtplib.SMTP(host, port, timeout=TIMEOUT_S)
    with client:
        client.ehlo()
        if not secure and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


async def send(settings: Settings, message: EmailMessage) -> bool:
    """True when the server took the message. A failure is logged, never
    raised: the person asking sees the same 202 either way."""
    if not settings.smtp_url:
        return False
    try:
        await asyncio.to_thread(_send_blocking, settings.smtp_url, message)
    except (OSError, smtplib.SMTPException):
        log.exception("password reset e-mail to %s could not be sent", message["To"])
        return False
    return True
