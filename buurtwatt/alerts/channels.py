"""Where alert messages go: e-mail over SMTP and an ntfy-compatible HTTP push."""

from __future__ import annotations

import smtplib
import ssl
from email.header import Header
from email.message import EmailMessage

import requests

from buurtwatt.alerts.config import EmailChannel, PushChannel


class ChannelError(Exception):
    """A message that could not be delivered; the runner logs it and tries again later."""


def send_email(channel: EmailChannel, subject: str, body: str) -> None:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = channel.sender
    msg["To"] = ", ".join(channel.to)
    msg.set_content(body)
    try:
        with smtplib.SMTP(channel.host, channel.port, timeout=channel.timeout_s) as smtp:
            if channel.starttls:
                smtp.starttls(context=ssl.create_default_context(cafile=channel.ca_file))
            if channel.username:
                password = channel.password.require() if channel.password else ""
                smtp.login(channel.username, password)
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise ChannelError(f"e-mail via {channel.host}:{channel.port}: {exc}") from exc


def _header(text: str) -> str:
    # HTTP headers are Latin-1; "CO₂" is not, so non-ASCII titles go RFC 2047-encoded (ntfy reads it)
    return text if text.isascii() else Header(text, "utf-8").encode()


def send_push(channel: PushChannel, title: str, body: str, tags: str = "") -> None:
    headers = {
        "Title": _header(title),
        "Priority": channel.priority,
        "Content-Type": "text/plain; charset=utf-8",
    }
    if tags:
        headers["Tags"] = tags
    if channel.token is not None:
        headers["Authorization"] = f"Bearer {channel.token.require()}"
    try:
        response = requests.post(
            channel.url, data=body.encode("utf-8"), headers=headers, timeout=channel.timeout_s
        )
    except requests.RequestException as exc:
        raise ChannelError(f"push to {channel.url}: {exc.__class__.__name__}") from exc
    if response.status_code >= 300:
        raise ChannelError(f"push to {channel.url}: HTTP {response.status_code}")
