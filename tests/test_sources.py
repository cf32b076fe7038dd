"""Sources by reference: the article split into numbered sentences, and every quote the bot shows made of
them, in article order, "…" between sentences that are not neighbours, never glued or reordered."""

from __future__ import annotations

import pytest
from fake_telegram import parse_html

from bot.knowledge import KnowledgeBase
from bot.sentences import GAP, cite, quote_text, split_sentences
from bot.texts import LONG_QUOTE_CHARS, answer_text, t

ARTICLE = """Headline without a stop

First sentence. Said the U.S. Department “quoted.” “Next quote,” he said.

Another paragraph here? Yes! 25 years."""


def flat(text: str) -> str:
    return " ".join(text.split())


def test_split_sentences_numbers_paragraphs_and_keeps_quotation_marks() -> None:
    sentences = split_sentences(ARTICLE)
    assert [(s.number, s.paragraph, s.text) for s in sentences] == [
        (1, 0, "Headline without a stop"),
        (2, 1, "First sentence."),
        (3, 1, "Said the U.S. Department “quoted.”"),  # initials do not end a sentence; the ” stays with it
        (4, 1, "“Next quote,” he said."),
        (5, 2, "Another paragraph here?"),
        (6, 2, "Yes!"),
        (7, 2, "25 years."),
    ]


def test_cite_orders_dedups_and_widens_a_part_to_its_sentence() -> None:
    sentences = split_sentences(ARTICLE)
    cited = cite(sentences, ["25 years.", "First sentence.", "U.S. Department", "25 years.", "not there"])
    assert [s.number for s in cited] == [2, 3, 7]
    assert quote_text(cited) == "First sentence. Said the U.S. Department “quoted.”" + GAP + "25 years."
    # neighbours across a paragraph break are not glued into one line
    assert quote_text(cite(sentences, ["Headline without a stop", "First sentence."])) == (
        "Headline without a stop\nFirst sentence."
    )


def test_the_shipped_article_splits_into_its_sentences(kb: KnowledgeBase) -> None:
    sentences = kb.article.sentences
    assert [s.number for s in sentences] == list(range(1, len(sentences) + 1))
    assert flat(" ".join(s.text for s in sentences)) == flat(kb.article.text)
    assert sentences[0].text == "Russia and South Ossetia sign Treaty on Alliance and Integration"
    assert any(s.text.startswith("U.S. Department Spokesperson Jen Psaki") for s in sentences)


def test_every_shipped_source_line_is_a_whole_article_sentence(kb: KnowledgeBase) -> None:
    whole = {s.text for s in kb.article.sentences}
    partial = [f"{e.file}: {e.id}: {line[:60]!r}" for e in kb.entries for line in e.source if flat(line) not in whole]
    assert not partial, "\n".join(partial)


def _shown_quote(entry_text: str, lang: str, html: bool) -> str:
    """The quote as the user sees it: the blockquote of the HTML reply, or the quoted tail of the plain one."""
    if not html:
        label = f"{t('source', lang)}: “"
        assert label in entry_text and entry_text.endswith("”")
        return entry_text.split(label, 1)[1][:-1]
    plain, entities = parse_html(entry_text)
    quotes = [e for e in entities if e["type"] in ("blockquote", "expandable_blockquote")]
    assert len(quotes) == 1
    # the article's punctuation is all in the BMP: UTF-16 offsets are string indexes here
    start, length = quotes[0]["offset"], quotes[0]["length"]
    expandable = quotes[0]["type"] == "expandable_blockquote"
    quote = plain[start : start + length]
    assert expandable == (len(quote) > LONG_QUOTE_CHARS), quote
    return quote


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("html", [True, False])
def test_every_source_quote_shown_occurs_verbatim_in_the_article(kb: KnowledgeBase, lang: str, html: bool) -> None:
    article = flat(kb.article.text)
    checked = 0
    for entry in kb.facts():
        text = answer_text(entry, lang, html=html)
        quote = _shown_quote(text, lang, html)
        positions = []
        for piece in quote.split("…"):
            assert flat(piece) and flat(piece) in article, f"{entry.id}: {piece!r} is not in article.txt"
            positions.append(article.index(flat(piece)))
        assert positions == sorted(positions), f"{entry.id}: the quote is not in article order"
        checked += 1
    assert checked == len(kb.facts()) > 40


def test_russian_replies_say_the_quote_is_the_english_original(kb: KnowledgeBase) -> None:
    entry = kb.by_id["signatories"]
    assert "Источник (оригинал на английском):" in answer_text(entry, "ru", html=True)
    assert "Источник (оригинал на английском):" in answer_text(entry, "ru", html=False)
    assert "Source:" in answer_text(entry, "en", html=False)


def test_quotes_follow_the_article_not_the_source_list(kb: KnowledgeBase) -> None:
    pensions = kb.by_id["prov_pensions"]  # its source lists the two sentences the other way round
    assert pensions.quote().startswith("The agreement also covers the social dimension")
    tibilov = kb.by_id["tibilov_statements"]  # two sentences of one paragraph, three left out between
    assert tibilov.quote().count("…") == 1
    name = kb.by_id["treaty_name"]  # the headline is its own line, not glued to the lead
    assert name.quote().startswith("Russia and South Ossetia sign Treaty on Alliance and Integration\nPresidents")


def test_an_edited_knowledge_base_cites_again(kb: KnowledgeBase) -> None:
    import dataclasses

    entry = kb.by_id["term"]
    edited = dataclasses.replace(entry, source=("The document came into effect on March 5 2015.", *entry.source),
                                 cited=())
    again = kb.replace_entries(edited if e.id == "term" else e for e in kb.entries).by_id["term"]
    assert [s.number for s in again.cited] == sorted(s.number for s in again.cited)
    assert again.quote().endswith("The document came into effect on March 5 2015.")
    assert "…" in again.quote()


# --- highlight: the clause that answers, emphasised inside the quote -----------------------------------

PROVISIONS = ("prov_defence", "prov_border", "prov_customs", "prov_interior", "prov_citizenship")


def test_every_highlight_occurs_in_its_quote(kb: KnowledgeBase) -> None:
    highlighted = [e for e in kb.entries if e.highlight]
    assert set(PROVISIONS) <= {e.id for e in highlighted}
    for entry in highlighted:
        assert entry.highlight in entry.quote(), entry.id
    # the provisions that share one sentence each emphasise a different clause of it
    assert len({kb.by_id[i].quote() for i in PROVISIONS}) == 1
    assert len({kb.by_id[i].highlight for i in PROVISIONS}) == len(PROVISIONS)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_highlight_is_bold_inside_the_blockquote(kb: KnowledgeBase, lang: str) -> None:
    for entry in (e for e in kb.facts() if e.highlight):
        html = answer_text(entry, lang, html=True)
        assert f"<b>{entry.highlight}</b>" in html.split("<blockquote", 1)[1].split("</blockquote>")[0]
        plain, entities = parse_html(html)
        (quote,) = [e for e in entities if e["type"] in ("blockquote", "expandable_blockquote")]
        (bold,) = [e for e in entities if e["type"] == "bold"]
        assert quote["offset"] <= bold["offset"] < bold["offset"] + bold["length"] <= quote["offset"] + quote["length"]
        assert plain[bold["offset"] : bold["offset"] + bold["length"]] == entry.highlight
        assert "<b>" not in answer_text(entry, lang, html=False)  # plain text stays plain
    border = answer_text(kb.by_id["prov_border"], "en", html=True)
    assert "<b>allow free movement across the Russia-South Ossetia border</b>" in border
    assert border.count("<b>") == 1


def test_a_highlight_is_escaped_like_the_rest_of_the_quote() -> None:
    from bot.texts import quote_html

    shown = quote_html("Tom & Jerry <3 cheese", "Jerry <3")
    assert shown == "<blockquote>Tom &amp; <b>Jerry &lt;3</b> cheese</blockquote>"
    assert quote_html("a quote", "not in it") == "<blockquote>a quote</blockquote>"
