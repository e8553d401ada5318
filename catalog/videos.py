"""YouTube links in the forms merchants paste them, reduced to the video id BigCommerce takes."""

import re
from urllib.parse import parse_qs, urlparse

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_HOSTS = {
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "music.youtube.com",
    "youtube-nocookie.com",
    "www.youtube-nocookie.com",
}
_PATH_PREFIXES = ("/embed/", "/shorts/", "/v/", "/live/", "/e/")


def youtube_id_from_url(value: str) -> str:
    """The 11-character video id of a YouTube link (or of a bare id).

    Accepts youtu.be/ID, youtube.com/watch?v=ID, /shorts/ID, /embed/ID, /v/ID, /live/ID,
    with or without scheme, www. or extra parameters (``&t=42s``, ``?si=…``).
    """
    text = (value or "").strip()
    if _ID.match(text):
        return text
    if "://" not in text:
        text = "https://" + text
    url = urlparse(text)
    host = (url.hostname or "").lower()
    candidate = ""
    if host in {"youtu.be", "www.youtu.be"}:
        candidate = url.path.lstrip("/").split("/")[0]
    elif host in _HOSTS:
        if url.path in ("/watch", "/watch/"):
            candidate = (parse_qs(url.query).get("v") or [""])[0]
        else:
            for prefix in _PATH_PREFIXES:
                if url.path.startswith(prefix):
                    candidate = url.path[len(prefix) :].split("/")[0]
                    break
    if not _ID.match(candidate):
        raise ValidationError(
            _("This is not a YouTube video link. Paste a link such as https://youtu.be/dQw4w9WgXcQ."),
            code="youtube_url",
        )
    return candidate
