"""Property tests (hypothesis) of the matcher and the reply formatting, over arbitrary Unicode: never a
crash, never more than Telegram's 4096 characters, always HTML that Telegram accepts (the fake server's
TDLib-like parser), and user-derived values always escaped."""

from __future__ import annotations

from fake_telegram import parse_html, utf16_len
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.knowledge import KnowledgeBase
from bot.matching import Matcher, normalise
from bot.telegram.answering import mentions, question_key, strip_mention
from bot.telegram.keyboards import outcome_keyboard
from bot.texts import MAX_MESSAGE_CHARS, ht, outcome_text, t, truncate

BOUNDED = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

# Text as people (and attackers) type it: any code point but surrogates, with the troublemakers well represented.
TRICKY = st.sampled_from(
    ["\u200b", "\u200f", "\u202e", "\u2066", "\ufeff", "\u0301", "\u0000", "<", ">", "&", "&amp;", "<b>", "</i>",
     "@TreatyBot", "/ask", "🇷🇺", "👍🏽", "👨‍👩‍👧", "𝕿", "ё", "Ё", "\n", "\t", "  ", "?", "«", "»", "“", "\\"]
)
WORDS = st.sampled_from(["who", "signed", "treaty", "кто", "подписал", "договор", "when", "NATO", "Putin", "2015"])
TEXT = st.lists(st.one_of(st.text(max_size=12), TRICKY, WORDS), max_size=30).map("".join)


def telegram_accepts(html: str) -> str:
    """The plain text Telegram would show, or an AssertionError naming the problem."""
    plain, _entities = parse_html(html)  # raises ApiError like Telegram's 400 "can't parse entities"
    assert utf16_len(plain) <= MAX_MESSAGE_CHARS and len(plain) <= MAX_MESSAGE_CHARS
    return plain


@BOUNDED
@given(question=TEXT, lang=st.sampled_from([None, "en", "ru"]), fallback=st.sampled_from(["en", "ru"]))
def test_any_question_gets_a_reply_telegram_accepts(
    matcher: Matcher, kb: KnowledgeBase, question: str, lang: str | None, fallback: str
) -> None:
    outcome = matcher.match(question, lang=lang, fallback_lang=fallback)
    assert outcome.status in ("answered", "clarify", "unknown") and outcome.lang in ("en", "ru")
    for list_options in (True, False):
        html = outcome_text(outcome, html=True, list_options=list_options)
        plain = telegram_accepts(html)
        assert plain.strip()
        assert len(outcome_text(outcome, html=False, list_options=list_options)) <= MAX_MESSAGE_CHARS
    markup = outcome_keyboard(outcome, kb, 3)
    for row in markup.inline_keyboard if markup is not None else ():
        for button in row:
            assert button.callback_data is None or len(str(button.callback_data).encode()) <= 64
            assert 0 < len(button.text) <= 64


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])
@given(question=st.text(min_size=3000, max_size=6000))
def test_very_long_messages_are_matched_too(matcher: Matcher, question: str) -> None:
    outcome = matcher.match(question)
    telegram_accepts(outcome_text(outcome, html=True, list_options=False))


@BOUNDED
@given(value=TEXT, key=st.sampled_from(["repeat", "group_intro", "about", "help", "forget_done"]))
def test_every_interpolated_value_is_escaped(value: str, key: str) -> None:
    values = {"link": value, "username": value, "title": value, "summary": value, "count": value, "topics": value}
    for lang in ("en", "ru"):
        html = ht(key, lang, **values)
        plain = telegram_accepts(html) if len(html) <= MAX_MESSAGE_CHARS else parse_html(html)[0]
        assert value in plain  # shown literally: nothing of it was taken as markup
        assert plain == t(key, lang, **values)


@BOUNDED
@given(text=TEXT, username=st.sampled_from(["TreatyBot", "treatybot", "Other_bot", ""]))
def test_mention_helpers_and_normalisation_never_crash(text: str, username: str) -> None:
    stripped = strip_mention(text, username)
    if username:
        assert not mentions(stripped, username)
    question_key(text)
    assert normalise(normalise(text)) == normalise(text)


@BOUNDED
@given(text=st.text(max_size=5000), limit=st.integers(min_value=10, max_value=MAX_MESSAGE_CHARS))
def test_truncate_respects_the_limit(text: str, limit: int) -> None:
    cut = truncate(text, limit)
    assert len(cut) <= limit and (cut == text or cut.endswith("…"))
