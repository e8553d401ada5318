"""What a browser would send back from a page's form: its fields as rendered (for view tests
that open a page, let something else change, then send the page's form)."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self._textarea = None
        self._select = None
        self._option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = (
                self.form_id is None
                or attrs.get("id") == self.form_id
                or self.form_id in (attrs.get("class") or "").split()
            )
            return
        if not self.inside or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.setdefault(attrs["name"], []).append(attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.data.setdefault(self._textarea, []).append("")
        elif tag == "select":
            self._select = attrs["name"]
            self._first = None
            self._chosen = False
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._first is None:
                self._first = value
            if "selected" in attrs:
                self.data.setdefault(self._select, []).append(value)
                self._chosen = True

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            text = self.data[self._textarea][-1]
            self.data[self._textarea][-1] = text[1:] if text.startswith("\n") else text  # as browsers read it
            self._textarea = None
        elif tag == "select" and self._select:
            if not self._chosen and self._first is not None:
                self.data.setdefault(self._select, []).append(self._first)
            self._select = None


def form_data(html: str | bytes, form: str | None = None) -> dict:
    """The fields of the first form (or of the form with that id or class) as a POST dict."""
    reader = _FormReader(form)
    reader.feed(html.decode() if isinstance(html, bytes) else html)
    return {name: values if len(values) > 1 else values[0] for name, values in reader.data.items()}
