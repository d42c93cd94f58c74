"""reparo.core.html, the one module that makes HTML: what a hostile value becomes, and the misuse it refuses."""

import datetime
import decimal
import uuid
from html.parser import HTMLParser

import pytest
from django.template import engines
from django.utils import translation
from django.utils.safestring import SafeData, SafeString
from django.utils.translation import gettext_lazy

from reparo.core.html import HtmlTemplate, html_join, text

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)",
    "Tom & Jerry",
    "&amp; &lt;b&gt; already escaped",
    "plain",
    "",
]


class Seen(HTMLParser):
    """What a browser would build from the markup: the elements with their attributes, and the text."""

    def __init__(self, markup):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


LINK = HtmlTemplate('<a href="/people/{}/" title="{}">{}</a>')


@pytest.mark.parametrize("value", HOSTILE)
def test_it_keeps_a_hostile_value_inside_its_attribute_and_its_text(value):
    html = LINK.format(value, value, value)
    seen = Seen(html)
    assert seen.tags == [("a", {"href": f"/people/{value}/", "title": value})]  # no element, no attribute added
    assert "".join(seen.text) == value  # shown as the very text it was
    assert isinstance(html, SafeString)


@pytest.mark.parametrize("value", HOSTILE)
def test_text_shows_a_hostile_value_as_text(value):
    html = text(value)
    assert isinstance(html, SafeString) and "<" not in html and '"' not in html and "'" not in html
    assert "".join(Seen(f"<p>{html}</p>").text) == value


def test_text_already_escaped_is_escaped_again_unless_it_was_marked_html():
    assert text("&amp;") == "&amp;amp;"  # a person may type "&amp;": they see what they typed
    marked = text("Tom & Jerry")
    assert text(marked) is marked  # HTML stays as it is: not escaped twice
    assert LINK.format(marked, marked, marked).count("&amp;amp;") == 0


def test_a_value_marked_html_by_django_goes_in_as_it_is():
    from django.utils.html import escape

    kept = escape("<b>")
    assert text(kept) == "&lt;b&gt;" and HtmlTemplate("<p>{}</p>").format(kept) == "<p>&lt;b&gt;</p>"


def test_a_lazy_translation_is_translated_then_escaped():
    lazy = gettext_lazy("Status")  # a lazy string is not HTML, whatever it says
    with translation.override("es"):
        said = str(lazy)
        assert text(lazy) == said and HtmlTemplate("<b>{}</b>").format(lazy) == f"<b>{said}</b>"
    assert said != "Status"
    hostile = gettext_lazy('<img src=x onerror="alert(1)">')  # not in the catalogue: itself
    assert text(hostile) == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"
    with pytest.raises(TypeError):
        html_join([lazy])


def test_values_that_are_not_text_show_as_django_templates_show_them():
    class Sneaky:
        def __str__(self):
            return "<script>x</script>"

    pk, day = uuid.UUID(int=1), datetime.date(2026, 3, 1)
    cell = HtmlTemplate("{}|{}|{}|{}|{}|{}|{}")
    got = cell.format(7, 2.5, None, True, pk, day, Sneaky())
    assert got == f"7|2.5|None|True|{pk}|2026-03-01|&lt;script&gt;x&lt;/script&gt;"
    template = engines["django"].from_string("{{ a }}|{{ b }}|{{ c }}")
    assert text(None) + "|" + text(pk) + "|" + text(Sneaky()) == template.render({"a": None, "b": pk, "c": Sneaky()})


def test_numbers_dates_and_ids_keep_their_format_specs_and_nothing_else_does():
    at = datetime.datetime(2026, 3, 1, 23, 30)
    got = HtmlTemplate('<text x="{:.1f}">{:%Y-%m-%d %H:%M} {:>3}</text>').format(1 / 3, at, 5)
    assert got == '<text x="0.3">2026-03-01 23:30   5</text>'
    with pytest.raises(ValueError):  # a Decimal is text: format it first
        HtmlTemplate("{:.1f}").format(decimal.Decimal("1.25"))


@pytest.mark.parametrize(
    "source",
    ["{name}", "{0.__class__}", "{0[0]}", "{!r}", "{0!s}", "{:{}}", "<p>{}</p>{x}", "{}{0}"],
)
def test_a_template_refuses_fields_that_would_reach_past_the_escaping(source):
    with pytest.raises(ValueError, match="unsupported template field"):
        HtmlTemplate(source)


@pytest.mark.parametrize("source", [SafeString("<p>{}</p>"), gettext_lazy("<p>{}</p>"), b"<p>{}</p>", None])
def test_a_template_is_plain_markup_written_in_the_code(source):
    with pytest.raises(TypeError):
        HtmlTemplate(source)


def test_a_template_with_a_brace_in_its_markup_writes_it_doubled_as_str_format_does():
    assert HtmlTemplate("{{ {} }}").format("<x>") == "{ &lt;x&gt; }"


@pytest.mark.parametrize(
    "markup",
    [
        '"); import os; ("',
        "\\ \\n \n ' \"\"\" ''' ",
        "{v0} {_e} {_S}",
        "%s %(x)s",
        "\x00 é ✓ \t",
        "f\"{__import__('os')}\"",
    ],
)
def test_a_templates_markup_is_written_as_it_is_whatever_it_holds(markup):
    """The template becomes a function of its values: its own text stays text, never code."""
    escaped = markup.replace("{", "{{").replace("}", "}}")
    assert HtmlTemplate(escaped).format() == markup
    assert HtmlTemplate(escaped + "{}").format("<") == markup + "&lt;"


def test_a_template_takes_exactly_its_values():
    row = HtmlTemplate("<td>{}</td><td>{}</td>")
    with pytest.raises(TypeError):
        row.format("one")
    with pytest.raises(TypeError):
        row.format("one", "two", "<script>three</script>")  # not dropped silently, as str.format would
    assert HtmlTemplate("{0}-{1}-{0}").format("a", "<b>") == "a-&lt;b&gt;-a"


def test_html_join_joins_html_and_refuses_text():
    parts = [HtmlTemplate("<li>{}</li>").format(v) for v in HOSTILE[:2]]
    joined = html_join(parts, "\n")
    assert isinstance(joined, SafeString)
    assert (
        joined
        == "<li>&lt;script&gt;alert(1)&lt;/script&gt;</li>\n<li>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</li>"
    )
    assert html_join(iter(parts)) == "".join(parts)  # any iterable
    assert html_join([]) == "" and isinstance(html_join([]), SafeString)
    for bad in ("<script>x</script>", 3, None, gettext_lazy("Status")):
        with pytest.raises(TypeError, match="fragment 1 is"):
            html_join([parts[0], bad, parts[1]])


def test_html_join_does_not_write_a_refused_fragment_into_its_message():
    with pytest.raises(TypeError) as refused:
        html_join([text("ok"), "Survivor Full Name"])
    assert "Survivor Full Name" not in str(refused.value)


def test_html_join_escapes_a_separator_that_is_text():
    parts = [text("a"), text("b")]
    assert html_join(parts, "<br>") == "a&lt;br&gt;b"
    assert html_join(parts, HtmlTemplate("<br>").format()) == "a<br>b"
    assert html_join(parts, "\n  ") == "a\n  b"


def test_what_it_makes_is_not_escaped_again_by_a_template():
    html = HtmlTemplate("<b>{}</b>").format("<i>")
    assert isinstance(html, SafeData)
    assert engines["django"].from_string("{{ html }}").render({"html": html}) == "<b>&lt;i&gt;</b>"
