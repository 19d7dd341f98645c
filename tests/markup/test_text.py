"""Markdown as plain text: card summaries and search excerpts with the match highlighted."""

from markup import text as text_module
from markup.text import markdown_to_text, search_excerpt


def test_plain_text_drops_markdown_syntax_and_keeps_blocks_apart():
    text = markdown_to_text("# Title\n\nWe read **CLRS**.\n\n- one\n- two\n\n`code` & <b>x</b>")
    assert text == "Title We read CLRS. • one • two code & <b>x</b>"


def test_plain_text_of_html_entities_is_unescaped_once():
    assert markdown_to_text("a &lt; b and 1 < 2") == "a < b and 1 < 2"


def test_the_excerpt_is_around_the_first_match_with_it_highlighted():
    body = "filler words here. " * 30 + "The **binary** heap is a tree. " + "more text " * 30
    excerpt = search_excerpt(body, "binary", length=100)
    assert "**" not in excerpt.text
    assert excerpt.text.startswith("…") and excerpt.text.endswith("…")
    assert "binary heap" in excerpt.text
    assert len(excerpt.text) <= 102
    [(start, end)] = excerpt.highlights
    assert excerpt.text[start:end] == "binary"


def test_every_term_is_highlighted_case_insensitively_and_the_html_is_escaped():
    excerpt = search_excerpt("Heaps <script>x</script> and HEAP sort", '"heap" -tree OR sort')
    assert excerpt.html() == (
        "<mark>Heap</mark>s &lt;script&gt;x&lt;/script&gt; and <mark>HEAP</mark> <mark>sort</mark>"
    )
    assert excerpt.parts() == [
        ("Heap", True),
        ("s <script>x</script> and ", False),
        ("HEAP", True),
        (" ", False),
        ("sort", True),
    ]


def test_korean_text_is_matched_inside_words():
    excerpt = search_excerpt("우리는 **공부를** 함께 해요", "공부")
    assert excerpt.text == "우리는 공부를 함께 해요"
    assert excerpt.parts()[1] == ("공부", True)


def test_no_match_starts_at_the_beginning():
    excerpt = search_excerpt("Just some *text*", "absent")
    assert (excerpt.text, excerpt.highlights) == ("Just some text", [])


def test_a_text_is_converted_once_and_each_text_on_its_own(monkeypatch):
    converted = []
    render = text_module.render_markdown
    monkeypatch.setattr(
        text_module, "render_markdown", lambda text: converted.append(text) or render(text)
    )
    markdown_to_text.cache_clear()

    assert markdown_to_text("**one**") == "one"
    assert markdown_to_text("**one**") == "one"
    assert markdown_to_text("*two*") == "two"
    assert converted == ["**one**", "*two*"]
    markdown_to_text.cache_clear()
