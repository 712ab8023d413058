"""What every HTML page wa-harden writes must be: one file that runs nothing and fetches nothing."""

from __future__ import annotations

from html.parser import HTMLParser

# Attributes that make a browser fetch something (or submit somewhere).
_FETCHING = {"src", "srcset", "action", "formaction", "background", "poster", "data", "cite", "manifest"}


class Elements(HTMLParser):
    """The start tags (with attributes) and the text of a page, as a browser would parse them."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.css: list[str] = []  # style elements and style attributes
        self._in_style = False
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))
        self.css += [value or "" for name, value in attrs if name == "style"]
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        (self.css if self._in_style else self.text).append(data)


def assert_self_contained(page: str) -> Elements:
    """No script element, no event handler, no link or style that reaches outside the page.

    Text may say anything (``<script>`` escaped is text): only elements, attributes and CSS count.
    """
    parsed = Elements(page)
    tags = {tag for tag, _attrs in parsed.tags}
    assert not tags & {"script", "iframe", "object", "embed", "link", "img", "base", "form"}, tags
    for tag, attrs in parsed.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            assert name not in _FETCHING, (tag, name, value)
            if name == "href":
                assert value is not None and value.startswith("#"), (tag, value)
            if tag == "meta":
                assert name != "http-equiv", (tag, name, value)  # no refresh to elsewhere
    css = "".join(parsed.css).lower()
    assert "url(" not in css and "@import" not in css and "expression(" not in css, css
    return parsed
