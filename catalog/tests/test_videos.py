import pytest
from django.core.exceptions import ValidationError

from catalog.videos import youtube_id_from_url

ID = "dQw4w9WgXcQ"


@pytest.mark.parametrize(
    "url",
    [
        f"https://youtu.be/{ID}",
        f"youtu.be/{ID}?si=abc",
        f"https://www.youtube.com/watch?v={ID}",
        f"https://youtube.com/watch?feature=share&v={ID}&t=42s",
        f"https://m.youtube.com/watch?v={ID}",
        f"https://www.youtube.com/shorts/{ID}",
        f"https://www.youtube.com/embed/{ID}?rel=0",
        f"https://www.youtube-nocookie.com/embed/{ID}",
        f"www.youtube.com/v/{ID}",
        f"https://www.youtube.com/live/{ID}",
        ID,
        f"  https://youtu.be/{ID}  ",
    ],
)
def test_common_forms_give_the_id(url):
    assert youtube_id_from_url(url) == ID


@pytest.mark.parametrize(
    "url",
    [
        "https://vimeo.com/123456",
        "https://www.youtube.com/watch?list=PL123",
        "https://www.youtube.com/channel/UC123",
        "https://youtu.be/short",
        "not a link",
        "",
        f"https://evil.example/watch?v={ID}",
    ],
)
def test_other_links_are_refused_clearly(url):
    with pytest.raises(ValidationError, match="not a YouTube video link"):
        youtube_id_from_url(url)
