"""A message in its conversation: follow-ups, several questions in one message, other languages.

Phrasings written for these tests (none from an eval set)."""

from __future__ import annotations

import pytest

from bot.contexts import CONTEXT_SECONDS, Context, Contexts
from bot.conversation import Conversation
from bot.knowledge import KnowledgeBase
from bot.matching import Matcher, Outcome
from bot.message_parts import closes_question, later_clause, own_sentence, parts
from bot.texts import outcome_text


@pytest.fixture(scope="module")
def conversation(matcher: Matcher) -> Conversation:
    return Conversation(matcher)


def _after(conversation: Conversation, first: str, now: float = 0.0) -> Context:
    outcome = conversation.answer(first, now=now)
    context = conversation.context_after(outcome, now)
    assert context is not None, (first, outcome.status, outcome.reason)
    return context


@pytest.mark.parametrize(
    ("first", "follow_up", "entry_id"),
    [
        ("When did the presidents sign the agreement?", "and where?", "venue"),
        ("Когда был подписан договор?", "а где?", "venue"),
        ("what is the american position on the treaty", "who said that?", "us_position"),
        ("who is leonid tibilov", "who is he?", "tibilov_who"),
        ("что ответил Песков американцам", "кто он такой?", "peskov_who"),
        ("when did the abkhazia agreement come into force", "and when was it signed?", "abkhazia_treaty"),
        # a bare name after a person's words: that person's words (the earlier answer's topic), not who he is
        ("что говорил Путин о договоре?", "а Тибилов?", "tibilov_statements"),
        # "it" with a word of its own that the named things alone do not settle: the whole earlier question
        ("in what month did moscow sign the deal with abkhazia?", "what's its name?", "abkhazia_treaty"),
        ("how long will the treaty last", "has it been ratified?", "ratification"),
        # The person comes from the answer when the question named none; "he" points back at any length.
        ("who described the deal as another big step?", "and who is he, what is his job?", "putin_who"),
        # A bare new name replaces the earlier person and keeps the rest of the question.
        ("что Песков ответил американцам?", "а Псаки?", "us_position|psaki_statements"),  # her words, either
        # A pronoun and a saying verb only: a question about that person's words, not "no content".
        ("кто такой Песков?", "а что он сказал?", "peskov_reply"),
        # the overview of her words, or its main one
        ("who is federica mogherini?", "what did she say?", "eu_position|mogherini_statements"),
        # An elliptic follow-up's words take the place of the earlier question's own: its numbers, its topic.
        ("what did south ossetia receive from russia in 2008-2014", "what about 2016?", "funding_2016|money_overview"),
        ("will pensions go up under the treaty?", "and public sector pay?", "prov_wages|provisions_overview"),
        # A bare topic or number, no question word: asked of the last answer's question.
        ("how much money did moscow give tskhinvali in 2008-2014?", "2016?", "funding_2016|money_overview"),
        ("what does the treaty provide for defence?", "salaries?", "prov_wages|provisions_overview"),
        ("who signed the treaty?", "pensions?", "prov_pensions"),  # standing alone it is surer: alone wins
        # A question type alone asks about what was asked before, even with a word ("year", "day") in it.
        ("сколько рублей получит Южная Осетия на реализацию соглашения?", "в каком году?", "funding_2016"),
        ("where was the alliance agreement signed?", "which day?", "signing_date"),
        # "he" after an answer naming several people: the one person the entry is about (its tags).
        ("who told the state department to stay out of it?", "and what's his job?", "peskov_who"),
        # "The other one": the earlier question again, of the other person its answer names, or answered by
        # another entry than before.
        ("who is the russian president?", "and the other one?", "tibilov_who"),
        ("Кто такой Путин?", "А второй президент?", "tibilov_who"),
        ("When did the Abkhazia agreement come into force?", "and the other date?", "abkhazia_treaty"),
        # A question type and one thing the lexicon knows is elliptic too; a preface that names nothing
        # ("ok in english now:") leaves the follow-up after it.
        ("When did Moscow sign the Abkhazia deal?", "in effect since when?", "abkhazia_treaty|abkhazia_in_force"),
        ("Сколько денег Южная Осетия получила в 2008-2014 годах?", "ok in english now: and for 2016?",
         "funding_2016|money_overview"),
        # Only a question type, and the earlier question's words give no answer: asked of what the earlier
        # answer was about (its entry's title: where the treaty was signed, so when it was signed).
        ("Где проходили переговоры?", "а какого числа?", "signing_date"),
        # "него" is the treaty as well as a man: the reading without the signatories is surer.
        ("Кто подписал договор?", "а срок у него какой?", "term"),
        # The reading with context only gives back the earlier answer, which has none of the words added:
        # the message alone, surer, answers ("него" is the treaty here).
        ("What did the West call the treaty?", "а срок у него?", "term"),
        # What the message says before it asks names its own subject: "it"/"он" points there, not back.
        ("What did Mogherini say?", "Anyway, the agreement. Who actually signed it?", "signatories"),
        ("что ответил Песков американцам?", "так, про договор: какой у него срок?", "term"),
        # Standing alone, but unsure: answered when it continues the topic of the conversation.
        ("What did the West call the treaty?", "Has the Kremlin answered?", "peskov_reply"),
        # A time relative to the one asked: the same question of another time (its year gives way)
        ("How much money did South Ossetia get from 2008 to 2014?", "and in the future?",
         "money_overview|funding_2016"),
        ("сколько выделят Южной Осетии на 2016 год?", "а раньше сколько получали?", "funding_past|money_overview"),
        # ... and a year in place of a relative time: the money given before, then "and in 2016?"
        ("how much did russia give before?", "and in 2016?", "funding_2016"),
        ("сколько Россия давала раньше?", "а в 2016?", "funding_2016"),
        # Where or when "she said it": of her statement, not of who she is
        ("Who is Psaki?", "where did she say it?", "psaki_briefing"),
        # Another party in place of the one a phrase naming someone had ("the president of South Ossetia")
        ("Who's the president of South Ossetia?", "And the Russian one?", "putin_who"),
        ("who is the russian president", "and the ossetian one?", "tibilov_who"),
        ("Who's the president of South Ossetia?", "and Russia's?", "putin_who"),
        ("who is the kremlin spokesman", "and the american one?", "psaki_who"),
        ("кто президент Южной Осетии", "а российский?", "putin_statements|putin_who"),
        # A person in place of the one asked to have said something: his words, not a fact naming him
        ("what did putin say at the ceremony", "and tibilov?", "tibilov_statements"),
        # A side alone in place of the thing the earlier question named: its treaty, not Abkhazia's again
        ("When was the Abkhazia agreement signed?", "and South Ossetia's?", "signing_date|signatories"),
        ("what is the abkhazia treaty called", "and the ossetian one?", "treaty_name"),
    ],
)
def test_follow_ups_are_read_with_the_last_answer(
    conversation: Conversation, first: str, follow_up: str, entry_id: str
) -> None:
    context = _after(conversation, first)
    outcome = conversation.answer(follow_up, context=context, now=1.0)
    assert outcome.status == "answered" and outcome.entry is not None, outcome.reason
    assert outcome.entry.id in entry_id.split("|")


def test_another_question_is_not_the_other_one(conversation: Conversation) -> None:
    """"Другой вопрос: ..." opens a new question; it does not ask for the other of the last answer."""
    context = _after(conversation, "Кто такой Путин?")
    outcome = conversation.answer("Другой вопрос: что сказала Псаки?", context=context, now=1.0)
    assert outcome.status == "answered" and outcome.entry is not None
    assert outcome.entry.id in ("psaki_statements", "us_position")


@pytest.mark.parametrize("near_miss", ["What did NATO say?", "Has Georgia answered?", "Qu'a dit Peskov ?"])
def test_a_near_miss_on_the_conversations_topic_is_still_declined(conversation: Conversation, near_miss: str) -> None:
    """The topic of the conversation lowers the bar for questions the model is unsure of, not for near misses."""
    context = _after(conversation, "What did the West call the treaty?")
    outcome = conversation.answer(near_miss, context=context, now=1.0)
    assert outcome.status != "answered", (outcome.reason, outcome.entry)


def test_the_earlier_answer_is_not_given_again_for_words_it_lacks(conversation: Conversation) -> None:
    """"Her" after an answer naming no woman: the money answer again would say nothing of what was asked."""
    context = _after(conversation, "Сколько денег Южная Осетия получила в 2008-2014 годах?")
    outcome = conversation.answer("what is her role?", context=context, now=1.0)
    assert outcome.status != "answered", outcome.entry


def test_a_follow_up_names_what_it_was_understood_as(conversation: Conversation) -> None:
    context = _after(conversation, "When did the presidents sign the agreement?")
    outcome = conversation.answer("and where?", context=context, now=1.0)
    assert outcome.resolved == outcome.entry.title("en") if outcome.entry else False


@pytest.mark.parametrize(
    "switch",
    ["What is the capital of France?", "how tall is the eiffel tower", "Какая погода в Цхинвале?",
     "and how tall is he?", "а сколько у него детей?"],  # "he" points back, but to ask what no entry says
)
def test_a_change_of_subject_inherits_nothing(conversation: Conversation, switch: str) -> None:
    context = _after(conversation, "who signed the treaty")
    outcome = conversation.answer(switch, context=context, now=1.0)
    assert outcome.status == "unknown" and not outcome.resolved


def test_a_standalone_question_after_another_is_matched_alone(conversation: Conversation) -> None:
    context = _after(conversation, "who signed the treaty")
    outcome = conversation.answer("how much money will south ossetia get in 2016", context=context, now=1.0)
    assert outcome.status == "answered" and not outcome.resolved
    assert "1 billion" in outcome_text(outcome, html=False)


@pytest.mark.parametrize(("first", "follow_up", "entry_id"), [
    ("кто такой песков", "is it in force yet", "ratification"),
    ("who is Peskov?", "is it in force yet?", "ratification"),
])
def test_it_that_only_gives_back_the_earlier_answer_is_read_alone(conversation: Conversation, first: str,
                                                                    follow_up: str, entry_id: str) -> None:
    """"it" after who someone is: the reading with the earlier question answers who he is again, and the
    words the message adds ("in force") would go unanswered; read alone, it is answered."""
    context = _after(conversation, first)
    outcome = conversation.answer(follow_up, context=context, now=1.0)
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == entry_id


@pytest.mark.parametrize(
    ("context_age", "status"),
    [(1.0, "answered"), (CONTEXT_SECONDS + 1, "unknown")],
)
def test_an_expired_context_is_forgotten(conversation: Conversation, context_age: float, status: str) -> None:
    context = _after(conversation, "When did the presidents sign the agreement?")
    assert conversation.answer("and where?", context=context, now=context_age).status == status


def test_a_follow_up_with_no_earlier_question_is_matched_alone(conversation: Conversation) -> None:
    outcome = conversation.answer("and where?")
    assert outcome.status in ("unknown", "clarify") and not outcome.resolved


@pytest.mark.parametrize(
    ("first", "follow_up", "entry_ids"),
    [
        # "her" cannot be the Kremlin's spokesman: of the people the answer names, the women are meant
        ("how did the West react to the deal?", "what is her role?", {"mogherini_who", "psaki_who"}),
        # "он" after the two signatories: either man may be meant, so each is answered
        ("who signed the agreement?", "кем он работает?", {"putin_who", "tibilov_who"}),
        # ... but of the two, the one who speaks for the side the question named: "he" after "who signed it
        # for South Ossetia?" is Tibilov (his words; not the signing again, nor Putin's)
        ("who signed it for south ossetia?", "what did he say?", {"tibilov_statements"}),
        ("кто подписал договор со стороны Южной Осетии?", "а что он сказал?", {"tibilov_statements"}),
        ("Кто подписал со стороны России?", "а что он сказал о договоре?", {"putin_big_step"}),
        ("Who signed for South Ossetia?", "And what did he say about Russia?",
         {"tibilov_statements", "tibilov_guarantor"}),
    ],
)
def test_a_pronoun_means_a_person_of_its_gender_and_each_when_several_fit(
    conversation: Conversation, first: str, follow_up: str, entry_ids: set[str]
) -> None:
    context = _after(conversation, first)
    outcome = conversation.answer(follow_up, context=context, now=1.0)
    assert outcome.status == "answered", outcome.reason
    answered = {p.entry.id for p in outcome.parts if p.entry is not None}
    if not answered:
        assert outcome.entry is not None and outcome.entry.id in entry_ids
    else:
        assert answered == entry_ids


@pytest.mark.parametrize(
    ("first", "follow_up", "entry_ids"),
    [
        # no one before: the people of the pronoun's gender are offered, the question asked of each
        (None, "what did she say?", {"psaki_statements", "mogherini_statements"}),
        (None, "who is he?", {"peskov_who", "putin_who", "tibilov_who"}),
        (None, "что она сказала?", {"psaki_statements", "mogherini_statements"}),
        # an answer that names no woman: not that answer again ("What about pensions?" then the pensions)
        ("What about pensions?", "what did she say?", {"psaki_statements", "mogherini_statements"}),
        ("How long is the treaty valid?", "а кто она такая?", {"psaki_who", "mogherini_who"}),
    ],
)
def test_a_pronoun_that_means_no_one_named_offers_the_people_it_may_mean(
    conversation: Conversation, first: str | None, follow_up: str, entry_ids: set[str]
) -> None:
    context = _after(conversation, first) if first is not None else None
    outcome = conversation.answer(follow_up, context=context, now=1.0)
    assert (outcome.status, outcome.reason) == ("clarify", "whom")
    assert {c.entry.id for c in outcome.candidates} == entry_ids


def test_a_russian_pronoun_that_may_mean_a_thing_is_not_asked_of_people(conversation: Conversation) -> None:
    """"а она когда?" after the pensions may ask when the pension (она) rises: no people are offered."""
    outcome = conversation.answer("а она когда?", context=_after(conversation, "What about pensions?"), now=1.0)
    assert outcome.reason != "whom"


def test_a_context_whose_entry_was_deleted_is_ignored(kb: KnowledgeBase, conversation: Conversation) -> None:
    context = _after(conversation, "When did the presidents sign the agreement?")
    gone = kb.replace_entries(e for e in kb.entries if e.id != context.entry_id)
    outcome = Conversation(Matcher(gone)).answer("and where?", context=context, now=1.0)
    assert outcome.status in ("answered", "unknown", "clarify")  # a sensible outcome, no exception
    assert outcome.entry is None or outcome.entry.id in gone.by_id


@pytest.mark.parametrize(
    ("message", "entry_ids"),
    [
        ("Who signed it and when?", ["signatories", "signing_date"]),
        ("How long is the treaty valid, and has it been ratified?", ["term", "ratification"]),
        ("кто подписал договор и где?", ["signatories", "venue"]),
        ("will pensions go up, and what about public sector wages?", ["prov_pensions", "prov_wages"]),
        # A Russian question's "ли" follows its first word: the part after "и" is a second question.
        ("станет ли легче пересекать границу с россией и сколько лет действует договор", ["prov_border", "term"]),
        # The numbers of a list, a slash between spaces, and a preface ending in a colon divide a message too.
        ("Quick ones: 1) who signed the agreement 2) where did they sign it", ["signatories", "venue"]),
        ("where was it signed / how many years does it last", ["venue", "term"]),
        ("Два вопроса: 1. кто подписал договор 2. на какой срок", ["signatories", "term"]),
        # A part that asks after a preface asks ("Quick one - what's ..."): not background to the other part.
        ("Hi! Quick one - what's the deal about the border and customs?", ["prov_border", "prov_customs"]),
    ],
)
def test_several_questions_get_one_answer_each(conversation: Conversation, message: str, entry_ids: list[str]) -> None:
    outcome = conversation.answer(message)
    assert outcome.status == "answered" and [p.entry.id for p in outcome.parts if p.entry] == entry_ids
    reply = outcome_text(outcome, html=False)
    # one quote per distinct source sentence: parts resting on one sentence share it
    quotes = {p.entry.quote() for p in outcome.parts if p.entry is not None}
    assert reply.count("Source:") + reply.count("Источник (оригинал на английском):") == len(quotes)


def test_the_words_of_a_person_asked_to_have_spoken(conversation: Conversation) -> None:
    outcome = conversation.answer("what did putin say at the ceremony")
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == "putin_statements"


@pytest.mark.parametrize(("first", "follow_up", "reason"), [
    # Another party in place of Russia: the article names no American president
    ("who is the russian president", "and the american one?", "entity"),
])
def test_another_party_in_place_of_one_the_article_names_no_one_for(
        conversation: Conversation, first: str, follow_up: str, reason: str) -> None:
    outcome = conversation.answer(follow_up, context=_after(conversation, first), now=1.0)
    assert outcome.status == "unknown" and outcome.reason == reason


def test_a_pronoun_and_a_party_is_not_that_party_in_place_of_another(conversation: Conversation) -> None:
    context = _after(conversation, "Who is the president of South Ossetia mentioned here?")
    outcome = conversation.answer("What did he say about Russia?", context=context, now=1.0)
    assert outcome.status == "answered" and outcome.entry is not None
    assert outcome.entry.id in ("tibilov_guarantor", "tibilov_statements")  # his words, not who Putin is


@pytest.mark.parametrize(("message", "entry_ids"), [
    # "And the Russian one?" is a question of its own, read with the part before it
    ("Who's the president of South Ossetia? And the Russian one?", ["tibilov_who", "putin_who"]),
    ("Who is the Russian president? And the Ossetian one?", ["putin_who", "tibilov_who"]),
])
def test_a_sentence_of_names_after_a_question_continues_it(
        conversation: Conversation, message: str, entry_ids: list[str]) -> None:
    outcome = conversation.answer(message)
    assert outcome.status == "answered" and [p.entry.id for p in outcome.parts if p.entry] == entry_ids


@pytest.mark.parametrize("message", ["Who signed the agreement between Russia and Abkhazia?",
                                     "В каком городе подписывали договор России и Абхазии?"])
def test_a_name_joined_by_and_inside_a_question_is_no_question_of_its_own(
        conversation: Conversation, message: str) -> None:
    assert conversation.answer(message).status == "unknown"


@pytest.mark.parametrize(("text", "piece", "own"), [
    ("Who is the president of South Ossetia? And the Russian one?", "the Russian one", True),
    ("Кто президент России? А Южной Осетии?", "А Южной Осетии", True),
    ("Who signed the agreement between Russia and Abkhazia?", "Abkhazia", False),
    ("Who is the president of South Ossetia? And the Russian one", "the Russian one", False),  # no "?" closes it
    ("who signed it?   ALSO   when ?", "when", True),  # the joint in any case, spaces around
    ("who signed it? and when ?", "AND WHEN", True),  # the part itself opens the sentence
    ("who signed it, and when?", "when", False),  # a clause of the sentence before
    ("who signed it? band when?", "when", False),  # "band" is no joint
    ("İstanbul? And the Russian one?", "the Russian one", True),  # a letter whose lower case is longer
    ("who is it and when? Who is it?", "who is it", True),  # its second occurrence is the one closed
])
def test_a_part_is_a_sentence_of_its_own(text: str, piece: str, own: bool) -> None:
    assert own_sentence(text, piece) is own


def test_a_part_the_article_does_not_cover_is_named(conversation: Conversation) -> None:
    outcome = conversation.answer("How long is it valid, and when will parliament ratify it?")
    assert outcome.status == "answered" and (outcome.uncovered or outcome.explained)
    assert "when will parliament ratify it" in outcome_text(outcome, html=False)


def test_a_bare_topic_not_found_is_named_too(conversation: Conversation) -> None:
    """"pensions and X": the answer for pensions, and X named as not found, never silently dropped."""
    outcome = conversation.answer("whats the deal with pensions and the moon landing")
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == "prov_pensions"
    assert "moon landing" in outcome_text(outcome, html=False)


def test_a_later_part_continues_the_one_before(conversation: Conversation) -> None:
    """"... signed, and for how many years?": the second part is about the same treaty, as an "and ..." is."""
    outcome = conversation.answer("When was the alliance treaty with South Ossetia signed and for how many years?")
    assert outcome.status == "answered"
    assert [p.entry.id for p in outcome.parts if p.entry is not None] == ["signing_date", "term"]


@pytest.mark.parametrize(
    ("message", "entry_ids"),
    [("кто такие Путин и Тибилов?", {"putin_who", "tibilov_who"}),
     ("what did peskov and mogherini say about it?", {"peskov_reply", "mogherini_statements", "eu_position"}),
     # the two named before the verb, as Russian puts them: neither is the one speaker
     ("Песков и Могерини что сказали?", {"peskov_reply", "mogherini_statements", "eu_position"})],
)
def test_a_question_about_several_people_is_asked_of_each(
    conversation: Conversation, message: str, entry_ids: set[str]
) -> None:
    """Nothing but people (and who they are, or what they said): one answer per person."""
    outcome = conversation.answer(message)
    assert outcome.status == "answered" and len(outcome.parts) == 2, (outcome.status, outcome.reason)
    got = {part.entry.id for part in outcome.parts if part.entry is not None}
    assert len(got) == 2 and got <= entry_ids, got


def test_a_follow_up_the_article_does_not_answer_is_declined_as_a_question(conversation: Conversation) -> None:
    """"by how much?" after the pensions asks something (the article gives no amounts): a decline with
    suggestions, not the line for a message with nothing to ask about."""
    context = _after(conversation, "does the treaty raise pensions?")
    outcome = conversation.answer("by how much, then?", context=context, now=1.0)
    assert outcome.status == "unknown" and outcome.reason not in ("no_content", "empty"), outcome.reason


@pytest.mark.parametrize(
    ("first", "follow_up"),
    [("what number was the Geneva round on the day of signing?", "and when is the next one?"),
     ("Какой по счёту раунд Женевских дискуссий прошёл в день подписания?", "а когда следующий?")],
)
def test_a_sure_near_miss_follow_up_does_not_fall_back_on_the_earlier_answer(
    conversation: Conversation, first: str, follow_up: str
) -> None:
    """Read with the Geneva round, "when is the next one?" is a known near miss; the wider reading (the whole
    earlier question) would answer the earlier question again, with the 31st round's date."""
    outcome = conversation.answer(follow_up, context=_after(conversation, first), now=1.0)
    assert outcome.status == "unknown" and outcome.gap is not None and outcome.gap.id == "gap_next_geneva"


@pytest.mark.parametrize(
    ("first", "follow_up", "expected"),
    [("Did the US object?", "And who signed it?", "signatories"),  # "it" is the treaty, not the US
     ("What was the American reaction to the treaty?", "who made that statement for them?", "psaki_statements"),
     ("Как отреагировали США?", "А кто его подписал?", "signatories")],
)
def test_it_is_no_party_the_article_hears_from(conversation: Conversation, first: str, follow_up: str,
                                               expected: str) -> None:
    """A follow-up pointing back with "it" keeps the earlier named things, but not a party that speaks in the
    article: what it said is not what "it" means; "them", a party, still is."""
    outcome = conversation.answer(follow_up, context=_after(conversation, first), now=1.0)
    assert outcome.entry is not None and outcome.entry.id == expected, (outcome.status, outcome.entry)


@pytest.mark.parametrize(
    ("first", "follow_up", "expected"),
    [("did georgia react?", "how long does it last", "term"),
     ("Как отреагировала Грузия?", "а на сколько лет его заключили?", "term"),
     ("what number was the Geneva round on the day of signing?", "and when is the next one?", "gap_next_geneva")],
)
def test_a_near_miss_that_has_none_of_the_new_words_is_not_given_again(
    conversation: Conversation, first: str, follow_up: str, expected: str
) -> None:
    """After a near miss (Georgia's reaction is not reported), a question its decline says nothing of ("how
    long does it last?") is answered alone, not declined again as the reaction; a follow-up about the near
    miss itself still is one."""
    outcome = conversation.answer(follow_up, context=_after(conversation, first), now=1.0)
    found = outcome.entry or outcome.gap
    assert found is not None and found.id == expected, (outcome.status, found and found.id)


@pytest.mark.parametrize(
    ("first", "follow_up", "expected"),
    [("does the treaty still need ratification?", "is there a date?", "gap_ratification_date"),
     ("парламенты должны его ратифицировать?", "а дата есть?", "gap_ratification_date"),
     ("Who signed the treaty?", "and the date?", "signing_date")],
)
def test_a_word_naming_only_a_kind_of_answer_asks_it_of_the_earlier_question(
    conversation: Conversation, first: str, follow_up: str, expected: str
) -> None:
    """"is there a date?" after the ratification asks when as "when?" would, of the ratification (a near
    miss: no date is given), not the date of the signing that "date" alone would find."""
    outcome = conversation.answer(follow_up, context=_after(conversation, first), now=1.0)
    found = outcome.entry or outcome.gap
    assert found is not None and found.id == expected, (outcome.status, found and found.id)


@pytest.mark.parametrize(("first", "status"), [("When did Abkhazia sign its similar pact with Russia?", "unknown"),
                                               ("Who signed the treaty?", "answered")])
def test_a_follow_up_that_refers_back_is_a_near_miss_of_what_it_refers_to(
    conversation: Conversation, first: str, status: str
) -> None:
    """Alone, "and how long does it run?" is this treaty's 25 years; after the Abkhazia pact, "it" is that
    pact, whose term the article does not give."""
    outcome = conversation.answer("and how long does it run?", context=_after(conversation, first), now=1.0)
    assert outcome.status == status
    assert (outcome.entry.id if outcome.entry else outcome.reason) == ("term" if status == "answered" else "gap")


@pytest.mark.parametrize("first", ["With whom else did Russia sign a similar alliance?",
                                   "с кем ещё Россия заключила похожий договор?"])
def test_it_is_what_the_answer_named_when_the_question_named_nothing(conversation: Conversation, first: str) -> None:
    """The answer is the Abkhazia treaty: "who signed it there?" asks that of Abkhazia's pact, which the article
    does not say, not who signed this treaty."""
    context = _after(conversation, first)
    assert context is not None and context.entry_id == "abkhazia_treaty"
    outcome = conversation.answer("who signed it there?", context=context, now=1.0)
    assert outcome.status == "unknown" and outcome.reason == "gap"


@pytest.mark.parametrize(("follow_up", "entry_id"), [("Back to the deal itself: has it been ratified?", "ratification"),
                                                    ("ok back to it, where was it signed?", "venue")])
def test_back_to_changes_the_subject(conversation: Conversation, follow_up: str, entry_id: str) -> None:
    """"Back to ..." returns to the treaty: neither a word of #support ("back the treaty") nor a question
    about what Mogherini said."""
    outcome = conversation.answer(follow_up, context=_after(conversation, "what did Mogherini criticise?"), now=1.0)
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == entry_id


def test_names_joined_by_and_are_one_part(conversation: Conversation) -> None:
    """"переговоры Путина и Тибилова": one noun phrase, not a question about Tibilov."""
    outcome = conversation.answer("Сколько длились переговоры Путина и Тибилова?")
    assert outcome.status != "answered" and not outcome.parts


@pytest.mark.parametrize(
    ("message", "uncovered"),
    [("I read the piece twice. The US commented, the EU commented. But what did the Georgian government say, "
      "and what did Moscow answer the Americans?", ("But what did the Georgian government say",)),
     ("Ну понятно, американцы высказались. А что ответил Кремль?", ())],
)
def test_a_sentence_that_tells_is_no_question_of_its_own(conversation: Conversation, message: str,
                                                         uncovered: tuple[str, ...]) -> None:
    """In a message that asks with "?", a sentence ending in "." says what the asker knows: neither answered
    as a part ("The US commented" is not a question about the US) nor named as not covered."""
    outcome = conversation.answer(message)
    named = (*outcome.uncovered, *(part for part, _ in outcome.explained))  # with what the article says, or not
    assert outcome.status == "answered" and not outcome.parts and named == uncovered, outcome
    assert outcome.entry is not None and outcome.entry.id == "peskov_reply"


@pytest.mark.parametrize(
    ("message", "expected"),
    [("The US commented, the EU commented. But what did Georgia say?",
      [("The US commented", True), ("the EU commented", True), ("But what did Georgia say", False)]),
     ("who signed it. and when", [("who signed it", False), ("and when", False)]),  # no "?": nothing told
     ("Two questions: 1) how long is it valid? 2) has it been ratified",
      [("Two questions:", False), ("how long is it valid", False), ("has it been ratified", False)]),
     ("I need (1) the official name and (2) how long it lasts",  # numbers in brackets, after "and" too
      [("I need", False), ("the official name", False), ("how long it lasts", False)]),
     # the words of a list are its numbers: no part of their own ("First" is no topic the article lacks)
     ("I have two questions. First, who is Tibilov? Second, what is his role?",
      [("I have two questions", True), ("who is Tibilov", False), ("what is his role", False)]),
     ("Во-первых, кто подписал? Во-вторых, когда?", [("кто подписал", False), ("когда", False)]),
     # a letter for a word ends no sentence ("U.S.", "S. Ossetia"), an "s" after an apostrophe does
     ("Did the U.S. object? It is Russia's. Who signed?",
      [("Did the U.S. object", False), ("It is Russia's", True), ("Who signed", False)]),
     ("firstly, who signed it, secondly, when", [("who signed it", False), ("when", False)]),
     # a Russian correlative opens a clause of the same question, not a question of its own
     ("ЕС недоволен тем, когда его подписали?", [("ЕС недоволен тем, когда его подписали", False)]),
     ("Путин сказал о том, сколько дадут, и когда?",
      [("Путин сказал о том, сколько дадут", False), ("и когда", False)]),
     ("the first, second and third rounds?", [("the first", False), ("second", False), ("third rounds", False)]),
     # "also" inside a clause joins nothing; after a comma or "and" it is the joint's
     ("is the Abkhazia treaty also for 25 years?", [("is the Abkhazia treaty also for 25 years", False)]),
     ("who signed it, also when?", [("who signed it", False), ("when", False)]),
     # a range of years is one thing
     ("how much in 2016, and how much between 2008 and 2014?",
      [("how much in 2016", False), ("and how much between 2008 and 2014", False)]),
     ("сколько дали между 2008 и 2014 и сколько добавят?",
      [("сколько дали между 2008 и 2014", False), ("сколько добавят", False)])],
)
def test_the_parts_of_a_message_and_whether_they_tell(message: str, expected: list[tuple[str, bool]]) -> None:
    assert parts(message) == expected


@pytest.mark.parametrize(
    ("text", "piece", "expected"),
    [("Я читал, что Евросоюз был против. А что сказала Индия?", "что Евросоюз был против", True),
     ("Я читал, что Евросоюз был против. А что сказала Индия?", "Я читал", False),
     ("Я читал, что Евросоюз был против. А что сказала Индия?", "А что сказала Индия", False),
     ("ok: who signed it?", "who signed it", False)],
)
def test_a_later_clause_goes_on_its_sentence(text: str, piece: str, expected: bool) -> None:
    assert later_clause(text, piece) is expected


def test_a_clause_that_tells_is_not_answered(conversation: Conversation) -> None:
    """"что" after "я читал," is no question word: what was read is background, the question is the last part."""
    outcome = conversation.answer("Я читал, что Евросоюз был против договора. Ну ладно. А что сказала Индия?")
    assert outcome.status == "unknown", (outcome.status, outcome.entry and outcome.entry.id)


def test_a_clause_that_tells_names_the_subject_of_the_question_after_it(conversation: Conversation) -> None:
    outcome = conversation.answer("Сосед говорит, что у Абхазии с Россией тоже есть такой договор. Интересно стало. "
                                  "С какого числа он действует?")
    assert outcome.status == "answered" and outcome.entry is not None, outcome
    assert outcome.entry.id == "abkhazia_in_force" and not outcome.parts


@pytest.mark.parametrize(
    ("message", "entry_id"),
    [("Writing a school report. Abkhazia signed a treaty with Moscow too. When was it signed and what is its name?",
      "abkhazia_treaty"),
     ("Пишу доклад. У Абхазии тоже есть договор с Россией. Когда его подписали и как он называется?",
      "abkhazia_treaty")],
)
def test_a_sentence_that_tells_names_the_subject_of_the_parts_after_it(conversation: Conversation, message: str,
                                                                      entry_id: str) -> None:
    """A sentence of background naming a thing is what the questions after it ask about ("When was *it*
    signed?"), not the Russia-South Ossetia treaty the parts would mean alone."""
    outcome = conversation.answer(message)
    assert outcome.status == "answered" and outcome.entry is not None, outcome
    assert {p.entry.id for p in outcome.parts if p.entry} | {outcome.entry.id} == {entry_id}


@pytest.mark.parametrize("message", [
    "Someone told me Putin offered additional money for the treaty. How much, and which year?",
    "Говорят, Кремль посулил Осетии ещё финансирования. Сколько именно и на какой год?",
])
def test_what_a_sentence_tells_is_what_the_bare_questions_after_it_ask_about(conversation: Conversation,
                                                                              message: str) -> None:
    """A sentence that tells a fact the article has, naming no entity ("more money was promised"), is the
    subject of the questions after it that name nothing ("how much, and for what year?")."""
    outcome = conversation.answer(message)
    assert outcome.status == "answered" and outcome.entry is not None, outcome
    assert outcome.entry.id in {"funding_2016", "money_overview"}, outcome.entry.id  # (both give 2016)


def test_background_sentences_are_not_parts(conversation: Conversation) -> None:
    outcome = conversation.answer("I read the news about South Ossetia yesterday, and I wonder: will pensions go up?")
    assert outcome.status == "answered" and not outcome.parts and not outcome.uncovered


def test_a_statement_naming_a_topic_is_background_not_a_part(conversation: Conversation) -> None:
    """"The article mentions ratification." names a topic but asks nothing: the near miss the message asks
    is declined, not answered with the ratification entry beside a "nothing found" note."""
    outcome = conversation.answer("I'm reading up on the treaty. The article mentions ratification. "
                                  "When did the South Ossetian parliament vote on it?")
    assert outcome.status == "unknown"
    assert conversation.answer("pensions and salaries?").parts  # a bare list of topics still is parts


@pytest.mark.parametrize(
    "message",
    ["wer hat den Vertrag unterschrieben?", "Qui a signé le traité?", "¿Quién firmó el tratado?",
     "Хто підписав договір?", "Chi ha firmato il trattato?",
     # other scripts: Georgian, Chinese, Arabic, Greek
     "ვინ მოაწერა ხელი ხელშეკრულებას?", "谁签署了条约？", "من وقع المعاهدة؟", "Ποιος υπέγραψε τη συνθήκη;"],
)
def test_other_languages_get_a_note_in_both(conversation: Conversation, message: str) -> None:
    outcome = conversation.answer(message)
    assert outcome.reason == "other_language"
    text = outcome_text(outcome, html=False)
    assert "English and Russian" in text and "по-русски" in text


@pytest.mark.parametrize(
    "message", ["who signed the treaty", "Who is Federica Mogherini?", "Psaki", "кто такой Песков"]
)
def test_english_and_russian_are_not_foreign(conversation: Conversation, message: str) -> None:
    assert conversation.answer(message).reason != "other_language"


@pytest.mark.parametrize("message", ["ok", "hmm", "👍", "ясно", "thanks bot"])
def test_content_free_messages_get_a_friendly_line_even_after_an_answer(
    conversation: Conversation, message: str
) -> None:
    context = _after(conversation, "who signed the treaty")
    outcome = conversation.answer(message, context=context, now=1.0)
    assert outcome.entry is None or outcome.entry.kind == "smalltalk"
    assert "does not say" not in outcome_text(outcome, html=False)


def test_contexts_are_bounded_expiring_and_forgettable(conversation: Conversation) -> None:
    context = _after(conversation, "who signed the treaty", now=0.0)
    contexts = Contexts(limit=2, seconds=10)
    contexts.put((1, 1), context)
    contexts.put((-5, 1), context)
    contexts.put((2, 2), context)
    assert len(contexts) == 2 and contexts.get((1, 1), now=0.0) is None  # the oldest went first
    assert contexts.get((2, 2), now=11.0) is None  # expired
    contexts.put((3, 3), context)
    contexts.forget_user(1)
    assert contexts.get((-5, 1), now=0.0) is None and contexts.get((3, 3), now=0.0) is not None


def test_ask_json_accepts_a_context(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import json

    from bot.cli import main

    lines = [json.dumps({"question": "and where?", "context": "When did the presidents sign the agreement?"}),
             json.dumps({"question": "who said that?", "context": "us_position"}),
             "who signed the treaty"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert main(["ask", "--json"]) == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [o["entry_id"] for o in out] == ["venue", "us_position", "signatories"]
    assert out[0]["resolved"] and out[2]["resolved"] is None


@pytest.mark.parametrize(
    ("message", "leans"),
    [
        ("and what did she think about the date of the treaty's signing", True),  # "she", nobody named
        ("what did Mogherini think about the date of the treaty's signing", False),  # stands alone
        ("how long is the agreement between the two republics supposed to last", False),
    ],
)
def test_he_or_she_points_back_at_any_length(conversation: Conversation, message: str, leans: bool) -> None:
    context = _after(conversation, "when was the treaty signed?")
    assert conversation.follow.leans_on_context(conversation.matcher.analyzer.analyse(message), context) is leans


@pytest.mark.parametrize(
    ("first", "second", "entry_id"),
    [
        ("who is dmitry peskov?", "and what did he tell the americans?", "peskov_reply"),  # him, and the US
        # a word of its own beside the thing named ("recommend", the US): still him, and the US
        ("who is dmitry peskov?", "what did he recommend to the US?", "peskov_reply"),
        ("кто такой Песков?", "что он посоветовал американцам?", "peskov_reply"),
        ("what did psaki say about the treaty?", "where did she say that?", "psaki_briefing"),  # her, and "that"
        # he comes from the answer (Putin): the question was about the money, which stays
        ("who promised more money for 2016?", "how much did he promise?", "funding_2016"),
    ],
)
def test_he_or_she_keeps_the_person_beside_what_is_named(
    conversation: Conversation, first: str, second: str, entry_id: str
) -> None:
    outcome = conversation.answer(second, context=_after(conversation, first), now=1.0)
    assert outcome.status == "answered" and outcome.entry is not None, (outcome.status, outcome.reason)
    assert outcome.entry.id == entry_id


def test_he_with_unknown_words_leans_on_the_one_person_before(conversation: Conversation) -> None:
    """"he" after an answer about one person is about him, though "addressed" is a word the article lacks:
    the reading with him (and the unknown word, which lowers the model's confidence) is tried."""
    context = _after(conversation, "What did Peskov say?")
    a = conversation.matcher.analyzer.analyse("а кому он это адресовал?")
    assert a.unknown and conversation.follow.leans_on_context(a, context)
    assert "#peskov" in conversation.follow.with_context(a, context).terms


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # two people in the answer: "he" names no one, and "tall" is nothing the article says
        ("who signed the treaty", "and how tall is he?"),
        ("who is putin", "how tall is he?"),
    ],
)
def test_he_or_she_with_unknown_words_is_declined(conversation: Conversation, first: str, second: str) -> None:
    outcome = conversation.answer(second, context=_after(conversation, first), now=1.0)
    assert outcome.status == "unknown" and not outcome.resolved


@pytest.mark.parametrize(
    ("message", "entry_id"),
    [
        ("понятно, а кто подписал?", "signatories"),  # an acknowledgement, then the question
        ("ok, thanks! when was it signed?", "signing_date"),
        ("cool, where was it signed?", "venue"),
    ],
)
def test_chatter_around_one_question(conversation: Conversation, message: str, entry_id: str) -> None:
    outcome = conversation.answer(message, now=0.0)
    assert outcome.status == "answered" and outcome.entry is not None, (outcome.status, outcome.reason)
    assert outcome.entry.id == entry_id and not outcome.uncovered


def test_an_acknowledgement_then_a_follow_up_is_the_follow_up(conversation: Conversation) -> None:
    outcome = conversation.answer("понятно, а где?", context=_after(conversation, "когда подписали договор?"), now=1.0)
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == "venue"


@pytest.mark.parametrize(
    ("first", "second", "entry_id"),
    [
        ("when was the treaty signed?", "What did the Americans say?", "us_position"),  # a question about a name
        ("кто подписал договор?", "Что сказал Евросоюз?", "eu_position"),
    ],
)
def test_a_question_about_a_name_is_not_a_bare_name(
    conversation: Conversation, first: str, second: str, entry_id: str
) -> None:
    outcome = conversation.answer(second, context=_after(conversation, first), now=1.0)
    assert (outcome.entry.id if outcome.entry else None, outcome.resolved) == (entry_id, "")


@pytest.mark.parametrize(("message", "entry_id"), [
    ("when did this happen?", "signing_date"),
    ("где это было?", "venue"),
    ("who did it?", "signatories"),
])
def test_a_question_that_names_nothing_is_asked_of_the_headline(conversation: Conversation, message: str,
                                                                 entry_id: str) -> None:
    outcome = conversation.answer(message)
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == entry_id
    assert outcome.resolved == outcome.entry.title(outcome.lang)


@pytest.mark.parametrize(("message", "entry_id"), [
    ("for how many years is it?", "term"),  # "it" in a first message: the article's subject
    ("на сколько лет эта штука?", "term"),
    ("where'd they meet up for this", "venue"),
])
def test_a_first_question_about_it_that_is_unsure_is_asked_of_the_headline(conversation: Conversation,
                                                                            message: str, entry_id: str) -> None:
    outcome = conversation.answer(message)
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == entry_id


@pytest.mark.parametrize("message", [
    "Сколько это денег на каждого жителя?",  # the money overview only once the subject is added: not per head
    "when does it expire and who still needs to sign off",
])
def test_a_first_question_about_it_nearly_sure_to_be_declined_is_not_asked_of_the_headline(
        conversation: Conversation, message: str) -> None:
    assert conversation.answer(message).status != "answered"


@pytest.mark.parametrize(
    ("first", "follow_up", "entry_id"),
    [("what did Putin say about the agreement with South Ossetia?", "how did he describe it?", "putin_statements"),
     ("Кто такой Леонид Тибилов?", "Что он сказал о дате подписания?", "tibilov_statements")],
)
def test_he_asked_to_have_said_something_is_the_speaker(conversation: Conversation, first: str, follow_up: str,
                                                        entry_id: str) -> None:
    """His words, not a fact quoting no one (where or when the treaty was signed)."""
    outcome = conversation.answer(follow_up, context=_after(conversation, first), now=1.0)
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == entry_id


@pytest.mark.parametrize(
    ("first", "follow_up"),
    [("Что Тибилов говорил о России?", "А он что-то сказал про Грузию?"),  # "он" speaks: a person, Tibilov
     ("Who from the EU commented on the treaty?", "Did she say anything about Abkhazia?")],
)
def test_what_he_said_about_something_else_is_not_what_others_said(conversation: Conversation, first: str,
                                                                    follow_up: str) -> None:
    """The US on Georgia, the Abkhazia treaty: about the thing asked, but not his or her words."""
    outcome = conversation.answer(follow_up, context=_after(conversation, first), now=1.0)
    assert outcome.status == "unknown", (outcome.status, outcome.entry and outcome.entry.id)


@pytest.mark.parametrize(
    ("first", "follow_up"),
    [("Кто такой Тибилов?", "С кем он подписал договор?"), ("What did Putin say?", "Who did he sign the treaty with?")],
)
def test_who_was_with_him_is_not_about_him(conversation: Conversation, first: str, follow_up: str) -> None:
    """Asked who signed with the man the conversation is about: the signatories, not his words."""
    outcome = conversation.answer(follow_up, context=_after(conversation, first), now=1.0)
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == "signatories"


@pytest.mark.parametrize("message", ["who benefits more from it?", "кто за это платит?"])
def test_it_in_a_first_question_is_the_treaty_not_its_signing(conversation: Conversation, message: str) -> None:
    outcome = conversation.answer(message)
    assert outcome.entry is None or outcome.entry.id != "signatories"


def test_it_after_an_answer_is_the_answers_subject_not_the_headline(conversation: Conversation) -> None:
    """With a conversation to lean on, "it" is what was asked before: a near miss of it stays declined."""
    context = _after(conversation, "Does the treaty make getting Russian citizenship easier?")
    outcome = conversation.answer("Does it say how many people have applied so far?", context=context, now=1.0)
    assert outcome.status == "unknown"


@pytest.mark.parametrize("message", ["How tall is Mount Everest?", "why?", "and where?", "Сколько будет трижды три?"])
def test_a_question_naming_something_else_or_leaning_on_nothing_is_not(conversation: Conversation,
                                                                       message: str) -> None:
    assert conversation.answer(message).status != "answered"


@pytest.mark.parametrize(("message", "entries"), [
    ("when did this happen? and where?", ["signing_date", "venue"]),
    ("@treatybot когда это было? и где?", ["signing_date", "venue"]),
    ("who did it? and when?", ["signatories", "signing_date"]),
])
def test_the_first_of_several_questions_that_names_nothing_is_asked_of_the_headline(
    conversation: Conversation, message: str, entries: list[str]
) -> None:
    """Each part answered: the first of the headline, the next as its follow-up."""
    outcome = conversation.answer(message)
    assert [p.entry.id for p in outcome.parts if p.entry is not None] == entries


@pytest.mark.parametrize("message", [
    "На кого, по мнению осетинского лидера, республика может положиться?",  # a comma, not a question of its own
    "Моя мама получает пенсию. На сколько рублей увеличат пенсии и с какого месяца?",  # a later part leans on one
])
def test_words_before_a_comma_or_a_later_part_are_not_asked_of_the_headline(conversation: Conversation,
                                                                             message: str) -> None:
    outcome = conversation.answer(message)
    assert outcome.entry is None or outcome.entry.id not in ("signatories", "signing_date")


def test_a_misspelt_question_word_still_makes_a_part_a_question(conversation: Conversation) -> None:
    outcome = conversation.answer("whn was it signed? and wher?")
    assert [p.entry.id for p in outcome.parts if p.entry is not None] == ["signing_date", "venue"]


@pytest.mark.parametrize(("first", "second"), [
    ("What did Psaki say?", "Mogherini, I mean"),
    ("What's the US position?", "and hers? Mogherini I mean"),
])
def test_i_mean_names_the_subject_and_asks_nothing_else(conversation: Conversation, first: str, second: str) -> None:
    """"I mean" is the asker correcting themselves: what Mogherini said is answered, not declined as unsure."""
    outcome = conversation.answer(second, context=_after(conversation, first), now=1.0)
    answered = {p.entry.id for p in outcome.parts or (outcome,) if p.entry is not None}
    assert answered & {"mogherini_statements", "eu_position"}


def test_plus_joins_two_questions_as_and_does(conversation: Conversation) -> None:
    outcome = conversation.answer("what about defence plus the interior ministries?")
    assert {p.entry.id for p in outcome.parts if p.entry is not None} >= {"prov_defence", "prov_interior"}


@pytest.mark.parametrize("first", ["what about wages?", "пенсии и зарплаты?"])
def test_asking_what_the_us_said_after_wages_is_a_new_subject(conversation: Conversation, first: str) -> None:
    """'the state' (payroll) read as 'the States' once put #usa into the wages entry, so the wages answer
    came back to 'what did the US say?'."""
    outcome = conversation.answer("and what did the US say?", context=_after(conversation, first), now=1.0)
    assert outcome.entry is not None and outcome.entry.id == "us_position"


@pytest.mark.parametrize(("message", "entry_id"), [("в двух словах, что с таможней?", "prov_customs"),
                                                   ("in short: what about pensions?", "prov_pensions")])
def test_a_part_that_only_frames_the_rest_is_not_a_question_of_its_own(conversation: Conversation, message: str,
                                                                        entry_id: str) -> None:
    outcome = conversation.answer(message)
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == entry_id
    assert not outcome.parts  # not the summary beside the answer


def test_on_the_part_of_names_the_other_party_not_a_country_question(conversation: Conversation) -> None:
    """'со стороны X' (on X's part) frames X: read as 'стороны' (the parties), 'а со стороны Осетии?' was a
    question about the country's population, declined."""
    context = _after(conversation, "Кто поставил подпись со стороны России?")
    outcome = conversation.answer("а со стороны Осетии?", context=context, now=1.0)
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == "signatories"


@pytest.mark.parametrize("follow_up", ["кто это сказал?", "а кто это?"])
def test_who_is_that_is_asked_of_the_person_the_answer_named(conversation: Conversation, follow_up: str) -> None:
    """The answer about the date names Tibilov; 'кто это' (who is that / who said this) asks about him, as
    'he' would, not about the earlier question, which names no one."""
    context = _after(conversation, "почему дата подписания символична?")
    outcome = conversation.answer(follow_up, context=context, now=1.0)
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == "tibilov_who"


def test_a_question_word_pointing_back_at_a_thing_leans_on_the_context_despite_unknown_words(
    conversation: Conversation,
) -> None:
    """'кто на это обратил внимание?' (who drew attention to that?) has words no entry has, which alone mark a
    new subject ('how tall is Lavrov?'); with 'это' and 'кто' it asks who of the earlier answer."""
    context = _after(conversation, "какой раунд переговоров в Женеве шёл в день подписания?")
    outcome = conversation.answer("а кто на это обратил внимание?", context=context, now=1.0)
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == "eu_geneva_timing"


@pytest.mark.parametrize(("first", "follow_up"), [("What date was the treaty signed?", "Where?"),
                                                  ("Какого числа подписали договор?", "А где?")])
def test_a_follow_up_asking_another_type_drops_the_words_that_asked_the_first(
    conversation: Conversation, first: str, follow_up: str
) -> None:
    """"what *date*?" asked for the earlier answer; "where?" keeps what was signed, not the date."""
    outcome = conversation.answer(follow_up, context=_after(conversation, first), now=1.0)
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == "venue"


@pytest.mark.parametrize(("first", "follow_up"), [("How long is the treaty valid?", "And the Abkhaz one?"),
                                                  ("На сколько лет заключен договор?", "А с Абхазией?")])
def test_and_a_name_asks_the_earlier_question_of_it(conversation: Conversation, first: str, follow_up: str) -> None:
    """"And the Abkhaz one?" after how long the treaty runs asks how long the Abkhaz one runs, which the
    article does not say: not what it says of the Abkhazia treaty otherwise."""
    outcome = conversation.answer(follow_up, context=_after(conversation, first), now=1.0)
    assert outcome.status == "unknown", (outcome.status, outcome.entry)


def test_a_numbered_list_in_words_is_answered_part_by_part(conversation: Conversation) -> None:
    """"First, ... Second, ...": "First" is not reported as a part the article does not cover, and the "his"
    of the second part is the man the first asked about."""
    outcome = conversation.answer("I have two questions. First, who signed the treaty? Second, where was it?")
    assert outcome.status == "answered" and not outcome.uncovered
    assert [p.entry.id for p in outcome.parts if p.entry is not None] == ["signatories", "venue"]
    outcome = conversation.answer("First, who is Tibilov? Second, what is his role in the treaty?")
    assert outcome.status == "answered" and not outcome.uncovered
    assert outcome.entry is not None and outcome.entry.id == "tibilov_who"


@pytest.mark.parametrize(
    ("first", "follow_up"),
    [("What did Peskov tell the Americans?", "Did Psaki ever answer him?"),
     ("Что Песков посоветовал американцам?", "А Псаки ему на это что-то ответила?")],
)
def test_a_reply_to_him_is_not_his_own_words(conversation: Conversation, first: str, follow_up: str) -> None:
    """"Him"/"ему" is the one answered: whether the US answered Peskov back the article does not say, and
    neither his words nor Psaki's earlier statement answer it."""
    outcome = conversation.answer(follow_up, context=_after(conversation, first), now=1.0)
    assert outcome.status == "unknown", (outcome.status, outcome.entry)


@pytest.mark.parametrize("message", ["How big is Abkhazia's army? and who is their president?",
                                     "Насколько велика армия Абхазии? и кто их президент?"])
def test_a_part_that_points_back_at_what_the_article_lacks_is_not_answered(conversation: Conversation,
                                                                          message: str) -> None:
    """The part before names what the article does not cover (Abkhazia's army): "their" in the next is
    Abkhazia's, not Russia's president."""
    outcome = conversation.answer(message)
    assert outcome.status == "unknown", (outcome.status, outcome.entry)


@pytest.mark.parametrize("message", ["I need (1) the official name of the treaty and (2) its duration",
                                     "Мне нужно 1) полное название договора 2) срок его действия"])
def test_the_items_of_a_numbered_list_are_its_questions(conversation: Conversation, message: str) -> None:
    """An item of a list asks, though it is a bare noun phrase ("the official name of the treaty"), and its
    number is no number the article lacks."""
    outcome = conversation.answer(message)
    assert outcome.status == "answered" and not outcome.uncovered, outcome
    assert [p.entry.id for p in outcome.parts if p.entry is not None] == ["treaty_name", "term"]


@pytest.mark.parametrize("more", ["what else?", "anything else?", "tell me more", "а ещё?", "подробнее"])
def test_what_else_offers_the_last_answers_related_questions(conversation: Conversation, more: str) -> None:
    context = _after(conversation, "What does the treaty say about defence?")
    outcome = conversation.answer(more, context=context, now=1.0)
    assert (outcome.status, outcome.reason) == ("clarify", "more")
    related = conversation.matcher.kb.by_id["prov_defence"].related
    assert [c.entry.id for c in outcome.candidates] == [r for r in related if r != "prov_defence"]
    assert outcome_text(outcome, html=False).splitlines()[0] in ("More on this:", "Ещё по этой теме:")


@pytest.mark.parametrize(("follow_up", "entry_id"), [("anything else about wages?", "prov_wages"),
                                                     ("what else did he say?", "putin_statements")])
def test_what_else_with_a_subject_of_its_own_is_asked_of_it(conversation: Conversation, follow_up: str,
                                                              entry_id: str) -> None:
    first = "What did Putin say?" if "he" in follow_up.split() else "What about pensions?"
    outcome = conversation.answer(follow_up, context=_after(conversation, first), now=1.0)
    assert outcome.status == "answered" and outcome.reason != "more"
    assert outcome.entry is not None and outcome.entry.id == entry_id


def _dialogue(conversation: Conversation, turns: list[str]) -> list[Outcome]:
    outcomes, context = [], None
    for k, turn in enumerate(turns):
        outcome = conversation.answer(turn, context=context, now=float(k))
        outcomes.append(outcome)
        context = conversation.context_after(outcome, float(k)) or context
    return outcomes


def test_a_person_carried_into_an_answer_about_something_else_is_not_its_subject(
    conversation: Conversation,
) -> None:
    """Tibilov's words, then the term: "who signed it?" is about the treaty, not what Tibilov said ..."""
    *_, signed = _dialogue(conversation, ["What did Tibilov say?", "is it 25 years?", "who signed it?"])
    assert signed.status == "answered" and signed.entry is not None and signed.entry.id == "signatories"


def test_but_he_may_still_mean_that_person(conversation: Conversation) -> None:
    """... while "he" two answers on still means him: his age is not in the article."""
    *_, age = _dialogue(conversation, ["What did Leonid Tibilov say?", "and how long does the treaty last?",
                                       "how old is he?"])
    assert age.status == "unknown", (age.status, age.entry)


@pytest.mark.parametrize(("first", "follow_up"), [
    ("Who is Jen Psaki?", "what is her citizenship?"),
    ("Who is Mogherini?", "and her nationality?"),
    ("What did Putin say?", "and his citizenship?"),
])
def test_an_answer_that_leaves_out_the_person_a_pronoun_means_is_another_question(
    conversation: Conversation, first: str, follow_up: str,
) -> None:
    """Read alone, "her citizenship" is the treaty's citizenship provision; asked of the person "her" means,
    it is nothing the article says: declined, not answered about something else."""
    *_, outcome = _dialogue(conversation, [first, follow_up])
    assert outcome.status == "unknown", (outcome.status, outcome.entry)


@pytest.mark.parametrize(("first", "entry_id"), [
    ("What did Mogherini say about the treaty?", "mogherini_who"),
    ("what did Putin call the deal?", "putin_who"),
])
def test_his_or_her_title_is_the_persons_post_not_the_treatys_name(
    conversation: Conversation, first: str, entry_id: str,
) -> None:
    *_, outcome = _dialogue(conversation, [first, "and what is her official title?" if "Mogherini" in first
                                           else "what's his title?"])
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == entry_id


@pytest.mark.parametrize("turns", [
    ["Has Russia got a similar pact with Abkhazia?", "for how long is that one valid?"],
    ["Has Russia got a similar pact with Abkhazia?", "when did it take effect?", "and how long is it valid?"],
    # the whole earlier question answers the pact again, which has no term: still not this treaty's
    ["Has Russia got a similar pact with Abkhazia?", "and its duration?"],
])
def test_it_after_another_treaty_is_not_asked_of_this_one(conversation: Conversation, turns: list[str]) -> None:
    """"It" is the Abkhazia treaty, whose term the article does not give: not this treaty's 25 years."""
    *_, outcome = _dialogue(conversation, turns)
    assert outcome.status == "unknown", (outcome.status, outcome.entry)


@pytest.mark.parametrize(("turns", "entry_id"), [
    # a party the article hears from is not what "it" means: the treaty it spoke of is
    (["What did the EU say?", "when was it signed?"], "signing_date"),
    # "is there anything about": no pointing back
    (["What did Psaki say about Georgia?", "Is there anything on compulsory insurance?"], "prov_insurance"),
    (["Has Russia got a similar pact with Abkhazia?", "а что там с пенсиями?"], "prov_pensions"),
])
def test_it_and_there_still_mean_what_they_meant(conversation: Conversation, turns: list[str], entry_id: str) -> None:
    *_, outcome = _dialogue(conversation, turns)
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == entry_id


@pytest.mark.parametrize(("turns", "entry_id"), [
    (["where did the presidents put their signatures?", "and what did Tibilov say?"], "tibilov_statements"),
    (["кто подписал договор?", "а где?", "а что сказал Тибилов?"], "tibilov_statements"),
])
def test_what_someone_said_is_a_question_of_its_own_not_the_earlier_ones_type(
    conversation: Conversation, turns: list[str], entry_id: str,
) -> None:
    """"And what did Tibilov say?" after where it was signed asks his words: the earlier question's "where"
    does not carry over (the place's sentence names him, and answered it again)."""
    *_, outcome = _dialogue(conversation, turns)
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id in entry_id.split("|")


@pytest.mark.parametrize(("turns", "entry_id"), [
    (["for how many years was the alliance treaty concluded?", "and the one with Abkhazia?",
      "when did that one start?"], "abkhazia_treaty"),
    (["how long does this treaty run?", "and the Abkhaz agreement, how long?", "when did it come into force?"],
     "abkhazia_treaty|abkhazia_in_force"),
    (["сколько действует договор?", "а абхазский сколько?", "а когда он вступил в силу?"],
     "abkhazia_treaty|abkhazia_in_force"),
])
def test_a_sure_near_miss_leaves_its_subject_as_the_context(
    conversation: Conversation, turns: list[str], entry_id: str,
) -> None:
    """The article gives no term for the Abkhazia pact; the reply says so and names the pact, and "that one"
    next is that pact, not this treaty."""
    *outcomes, last = _dialogue(conversation, turns)
    assert outcomes[1].status == "unknown" and outcomes[1].reason == "gap"
    assert last.status == "answered" and last.entry is not None and last.entry.id in entry_id.split("|")


@pytest.mark.parametrize("turns", [
    ["when did the two presidents sign it?", "what year?"],
    ["когда подписали договор?", "а в каком году?"],
])
def test_a_unit_the_earlier_answer_lacks_is_not_answered_by_it_again(conversation: Conversation,
                                                                      turns: list[str]) -> None:
    """The date has no year: "what year?" after it is the known near miss, not the same date again."""
    *_, outcome = _dialogue(conversation, turns)
    assert outcome.status == "unknown" and outcome.reason == "gap", (outcome.status, outcome.entry)


def test_but_a_unit_another_entry_gives_still_reads_on(conversation: Conversation) -> None:
    """"А какого числа?" after where the talks were: the day they were held, the signing date."""
    *_, outcome = _dialogue(conversation, ["Где проходили переговоры?", "а какого числа?"])
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == "signing_date"


@pytest.mark.parametrize("turns", [
    ["how did russia respond to the americans?"],
    ["what's Washington's view of the treaty?", "и что ответила Россия?"],
    ["what's Washington's view of the treaty?", "and how did moscow react to that?"],
])
def test_how_russia_answered_is_the_kremlins_reply_not_the_us_position(conversation: Conversation,
                                                                       turns: list[str]) -> None:
    """Russia is heard through Peskov: how it answered the US is his reply (or the overview that has it)."""
    *_, outcome = _dialogue(conversation, turns)
    assert outcome.status == "answered" and outcome.entry is not None
    assert outcome.entry.id in ("peskov_reply", "reactions_overview"), outcome.entry.id


@pytest.mark.parametrize(("message", "people"), [
    ("what's her name?", {"psaki_who", "mogherini_who"}),
    ("what is her citizenship?", {"psaki_who", "mogherini_who"}),
    ("whats his title", {"putin_who", "tibilov_who", "peskov_who"}),
])
def test_he_or_she_with_no_one_before_asks_who_is_meant(conversation: Conversation, message: str,
                                                         people: set[str]) -> None:
    """The first message of a chat: "her" means no one yet, so not the treaty's name or its citizenship
    provision, but which woman (or man) of the article is meant."""
    outcome = conversation.answer(message)
    assert outcome.status == "clarify" and outcome.reason == "whom", (outcome.status, outcome.entry)
    assert {c.entry.id for c in outcome.candidates} <= people


def test_but_someone_the_message_itself_names_is_whom_she_means(conversation: Conversation) -> None:
    """"Grandma ... her pension": the pension provision, asked for her."""
    outcome = conversation.answer("my grandma asks about her pension")
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == "prov_pensions"


@pytest.mark.parametrize(("first", "follow_up"), [
    ("What did Peskov tell the Americans?", "why?"),
    ("Что ответил Песков американцам?", "а почему?"),
    ("When did the presidents sign the agreement?", "how come?"),  # "come" read as the phrase, not in force
])
def test_why_after_an_answer_is_declined_with_its_related_questions(conversation: Conversation, first: str,
                                                                    follow_up: str) -> None:
    """A bare "why?" asks the reason of the last answer, which the article seldom gives: a decline with that
    answer's related questions, not the friendly line for a message with nothing to ask."""
    context = _after(conversation, first)
    outcome = conversation.answer(follow_up, context=context, now=1.0)
    assert outcome.status == "unknown" and outcome.reason == "unsure" and outcome.suggestions
    related = set(conversation.matcher.kb.by_id[context.entry_id].related)
    assert {e.id for e in outcome.suggestions} <= related | {context.entry_id}
    assert not outcome_text(outcome, html=False).startswith("🙂")


@pytest.mark.parametrize(("first", "follow_up"), [
    ("Who signed the treaty?", "how exactly?"),
    ("Кто подписал договор?", "а как именно?"),
    ("What did the US say?", "what did it say?"),
    ("Where was the treaty signed?", "what?"),
])
def test_a_question_with_nothing_to_ask_after_an_answer_is_declined(conversation: Conversation, first: str,
                                                                    follow_up: str) -> None:
    """A question whose words the knowledge base has none of, after an answer, asks more than the article
    says: declined with the last answer's related questions (it reaches /unanswered), never the friendly
    line that "ok" gets."""
    context = _after(conversation, first)
    outcome = conversation.answer(follow_up, context=context, now=1.0)
    assert outcome.status == "unknown" and outcome.reason == "unsure" and outcome.suggestions
    assert not outcome_text(outcome, html=False).startswith("🙂")


@pytest.mark.parametrize(("first", "asked", "lang"), [
    ("Who signed the treaty?", "in russian please", "ru"),
    ("Кто подписал договор?", "in English?", "en"),
    ("Кто подписал договор?", "а по-английски можно?", "en"),
    ("Is the treaty ratified?", "answer in Russian", "ru"),
    ("What did the US say?", "на русском", "ru"),
    ("What did the US say?", "could you repeat the same in russian", "ru"),
    ("Who signed the treaty?", "а можешь повторить по-русски?", "ru"),
])
def test_the_last_answer_in_the_language_asked_for(conversation: Conversation, first: str, asked: str,
                                                   lang: str) -> None:
    context = _after(conversation, first)
    outcome = conversation.answer(asked, context=context, now=1.0)
    assert (outcome.status, outcome.lang) == ("answered", lang)
    assert outcome.entry is not None and outcome.entry.id == context.entry_id


@pytest.mark.parametrize("message", ["and the russian side?", "in english or in russian?", "russian for treaty?"])
def test_a_language_named_in_a_question_is_no_request(conversation: Conversation, message: str) -> None:
    assert conversation.follow.language_asked(message) is None


def test_a_near_miss_in_the_language_asked_for(conversation: Conversation) -> None:
    context = conversation.context_from("gap_pension_amount", "en")
    assert context is not None
    outcome = conversation.answer("на русском, пожалуйста", context=context, now=1.0)
    assert (outcome.status, outcome.reason, outcome.lang) == ("unknown", "gap", "ru")


def test_a_language_request_before_any_answer_gets_the_greeting_in_it(conversation: Conversation) -> None:
    outcome = conversation.answer("in russian please")
    assert (outcome.reason, outcome.lang) == ("no_content", "ru")


def test_a_request_opens_a_question_of_its_own(conversation: Conversation) -> None:
    """"tell me about customs and the border": "tell" opens a question as "what" does, so both parts answer."""
    outcome = conversation.answer("tell me about customs and the border")
    assert [p.entry.id for p in outcome.parts if p.entry] == ["prov_customs", "prov_border"]


@pytest.mark.parametrize("chatter", ["ok", "ок", "thanks!", "ну и?"])
def test_chatter_after_an_answer_still_gets_the_friendly_line(conversation: Conversation, chatter: str) -> None:
    outcome = conversation.answer(chatter, context=_after(conversation, "Who signed the treaty?"), now=1.0)
    assert outcome.reason in {"no_content", "small_talk"}


@pytest.mark.parametrize(("message", "entry_ids"), [
    ("кто его подписывал и он вообще уже действует или нет?", ["signatories", "ratification"]),
    ("слушай, а этот договор с осетией, его кто подписывал и он вообще уже действует или нет?",
     ["signatories", "ratification"]),
])
def test_a_part_its_question_mark_closes_is_a_question_though_no_word_opens_it(
    conversation: Conversation, message: str, entry_ids: list[str],
) -> None:
    """A Russian yes-no question has no question word: "он уже действует?" asks by its "?" alone, as a clause
    of its own (its subject a pronoun), so it is answered beside "кто его подписывал", not taken for
    background."""
    outcome = conversation.answer(message)
    assert outcome.status == "answered" and [p.entry.id for p in outcome.parts if p.entry] == entry_ids


@pytest.mark.parametrize(("message", "entry_ids"), [
    ("what did the kremlin say? and the americans?", ["peskov_reply", "us_position"]),
    ("привет, а можно вопрос? кто подписал договор и когда он вступит в силу?", ["signatories", "ratification"]),
])
def test_a_part_unsure_alone_is_answered_as_the_whole_message_reads(conversation: Conversation, message: str,
                                                                    entry_ids: list[str]) -> None:
    """One part answers alone and the other does not, but the whole message answers something else: that is the
    other part's answer (read with the whole message's words), given beside the first, in the message's order."""
    outcome = conversation.answer(message)
    assert outcome.reason == "several" and [p.entry.id for p in outcome.parts if p.entry] == entry_ids


@pytest.mark.parametrize("message", ["tell me about customs and the border", "what did putin and tibilov say?",
                                     "what did the kremlin say? and the americans?"])
def test_several_answers_suggest_none_of_their_own_parts(conversation: Conversation, message: str) -> None:
    outcome = conversation.answer(message)
    answered = {p.entry.id for p in outcome.parts if p.entry}
    assert outcome.reason == "several" and len(answered) >= 2
    assert answered.isdisjoint(e.id for e in outcome.suggestions)


def test_closes_question() -> None:
    text = "кто его подписывал и он уже действует?"
    assert closes_question(text, "он уже действует") and not closes_question(text, "кто его подписывал")


def test_she_after_an_answer_about_men_asks_who_is_meant(conversation: Conversation) -> None:
    """After who signed it (two men), "what's her name?" has no one to mean either: the article's women are
    offered back, not the treaty's name."""
    *_, outcome = _dialogue(conversation, ["who put their names to the treaty?", "what's her name?"])
    assert outcome.status == "clarify" and outcome.reason == "whom", (outcome.status, outcome.entry)
    assert {c.entry.id for c in outcome.candidates} <= {"psaki_who", "mogherini_who"}


@pytest.mark.parametrize(("first", "follow_up"), [
    ("How much money will South Ossetia get for carrying out the deal?", "для какого года?"),
    ("How much did South Ossetia receive from Russia before?", "which years?"),
])
def test_which_year_after_an_answer_that_states_it_is_that_answer(
        conversation: Conversation, first: str, follow_up: str) -> None:
    context = _after(conversation, first)
    outcome = conversation.answer(follow_up, context=context, now=1.0)
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == context.entry_id


@pytest.mark.parametrize(("first", "follow_up"), [
    ("When was the treaty signed?", "what year?"),  # the day only: a near miss
    ("When did the Abkhazia agreement come into force?", "for how many years?"),  # how long, not which year
])
def test_which_year_after_an_answer_without_one_is_not_that_answer(
        conversation: Conversation, first: str, follow_up: str) -> None:
    outcome = conversation.answer(follow_up, context=_after(conversation, first), now=1.0)
    assert outcome.status == "unknown"


@pytest.mark.parametrize("message", ["How much extra money did Putin promise? And for which year?",
                                     "Сколько денег пообещал Путин дополнительно? И на какой год?"])
def test_parts_the_answer_of_another_part_answers_add_nothing_of_their_own(
        conversation: Conversation, message: str) -> None:
    outcome = conversation.answer(message)
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == "funding_2016"
    assert not outcome.uncovered and not outcome.parts



def test_a_follow_up_adding_a_thing_the_last_answer_lacks_is_not_that_answer(conversation: Conversation) -> None:
    """"How much of that went to pensions?" after the money received: the money entry has "went" (one of its
    questions says it) but not pensions, the thing the message adds; the article does not say."""
    context = _after(conversation, "How much did Russia give South Ossetia from 2008 to 2014?")
    outcome = conversation.answer("How much of that went to pensions?", context=context, now=1.0)
    assert outcome.status == "unknown"


def test_a_follow_up_whose_most_specific_thing_the_last_answer_has_is_that_answer(
        conversation: Conversation) -> None:
    context = _after(conversation, "What did Mogherini say?")
    outcome = conversation.answer("Which round of talks did she bring up?", context=context, now=1.0)
    assert outcome.status == "answered" and "31" in outcome_text(outcome, html=False)


@pytest.mark.parametrize("message", ["Who signed the Alliance and Integration treaty?",
                                     "Кто подписал договор о союзничестве и интеграции?"])
def test_a_name_with_and_in_it_is_not_split(conversation: Conversation, message: str) -> None:
    outcome = conversation.answer(message)
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == "signatories"
    assert not outcome.parts


@pytest.mark.parametrize(("message", "expected"), [
    ("Who signed the Alliance and Integration treaty? And when?",
     ["Who signed the Alliance and Integration treaty", "when"]),
    ("pensions and salaries", ["pensions", "salaries"]),  # no name: split as before
    # the treaty's two sides joined are one subject, not a question of Russia's
    ("so Russia and South Ossetia are partners now? and the US?", ["so Russia and South Ossetia are partners now",
                                                                   "the US"]),
    ("Россия и Южная Осетия теперь вместе? а США что?", ["Россия и Южная Осетия теперь вместе", "а США что"]),
    # a list before an "or" that only asks is one question offering a choice
    ("is the insurance medical, car, or what?", ["is the insurance medical, car, or what"]),
    ("who signed it, when, and where?", ["who signed it", "when", "and where"]),  # another list: split
])
def test_parts_keep_the_names_given_whole(conversation: Conversation, message: str, expected: list[str]) -> None:
    assert [p for p, _ in parts(message, conversation.follow.joined_names)] == expected


@pytest.mark.parametrize(
    ("first", "follow_up"),
    [("What did the West call the agreement?", "And what did NATO think of it?"),
     ("What did the West call the agreement?", "and what did Germany think of it?")],
)
def test_a_name_the_article_lacks_is_not_read_with_the_earlier_question(conversation: Conversation, first: str,
                                                                       follow_up: str) -> None:
    """A follow-up naming what the article never mentions (only a near miss does) asks about it: the earlier
    question's words ("the West") do not come back to answer it, however "it" points."""
    context = conversation.context_after(conversation.answer(first, now=0.0), 0.0)
    outcome = conversation.answer(follow_up, context=context, now=1.0)
    assert outcome.status == "unknown", (outcome.entry and outcome.entry.id, outcome.reason)


@pytest.mark.parametrize(
    ("text", "points"),
    [("what is Russia's defence budget this year?", False), ("а в этом году сколько?", False),
     ("what else happened that year?", True), ("when was this signed?", True), ("и что он сказал?", True)],
)
def test_this_year_points_at_now_not_back(conversation: Conversation, text: str, points: bool) -> None:
    a = conversation.matcher.analyzer.analyse(text)
    assert conversation.follow.points_back(a) is points


def test_a_question_answered_the_same_alone_resolves_nothing(conversation: Conversation) -> None:
    """A message that does not point back and gets the same entry alone as with the conversation stands on its
    own: its reply does not say it was read as the earlier question (nor does an off-topic turn count as one
    that inherited its context)."""
    context = conversation.context_after(conversation.answer("What did Putin promise South Ossetia for 2016?",
                                                             now=0.0), 0.0)
    outcome = conversation.answer("how big is Russia's military budget this year?", context=context, now=1.0)
    assert not outcome.resolved, outcome.resolved


def test_a_part_the_article_does_not_cover_gets_what_it_does_say(conversation: Conversation) -> None:
    """A part of a message that is a sure near miss gets its gap entry's note after the answers, not only
    "nothing found": what the article says instead (here: it is yet to be ratified)."""
    outcome = conversation.answer("когда подписали и когда заработает?")
    assert outcome.status == "answered" and outcome.entry is not None and outcome.entry.id == "signing_date"
    assert [(part, gap.id) for part, gap in outcome.explained] == [("когда заработает", "gap_entry_into_force")]
    text = outcome_text(outcome, html=True)
    assert "«когда заработает»" in text and "ратифицирован" in text and "не нашлось" not in text


def test_an_unsure_near_miss_of_a_part_is_only_named(conversation: Conversation) -> None:
    """"в курсе?" (are you aware?) is no sure near miss (of the exchange rate, "курс"): no gap note for it."""
    outcome = conversation.answer("на сколько лет этот договор, в курсе?")
    assert outcome.entry is not None and outcome.entry.id == "term"
    assert outcome.explained == ()


def test_two_questions_after_much_background_are_both_answered(conversation: Conversation) -> None:
    """Background of several clauses, then two questions: the pieces around them are background, and the
    questions are answered each (a message of more pieces than parts was once read only whole)."""
    outcome = conversation.answer("Живу в Цхинвале, мне 65 лет. Радио сломалось, соседи толком не объяснили, "
                                  "внуки далеко. На сколько лет этот союз? И кто его подписал?")
    assert outcome.status == "answered"
    assert {p.entry.id for p in outcome.parts if p.entry is not None} == {"term", "signatories"}


@pytest.mark.parametrize("message", [
    "Some months earlier, there was news about Abkhazia and Russia, as well. I believe that was an alliance, too. "
    "When was that agreement signed, and what was it called?",
    "Раньше, помнится, были новости про Абхазию и Россию. Вроде тоже союз, точно не знаю. Когда его подписали, и как "
    "он назывался?",
])
def test_a_sentence_that_tells_names_the_subject_of_the_questions_after_it(conversation: Conversation,
                                                                          message: str) -> None:
    """A sentence that tells and is no question the article answers still names what "that one" is: the
    closest fact naming its named things (the Abkhazia treaty), not this treaty."""
    outcome = conversation.answer(message)
    assert outcome.status == "answered" and outcome.entry is not None
    assert {p.entry.id for p in outcome.parts if p.entry is not None} | {outcome.entry.id} <= {
        "abkhazia_treaty", "abkhazia_in_force"}


def test_two_people_joined_by_and_are_one_part_of_a_question(conversation: Conversation) -> None:
    """"How many hours did Putin and Tibilov talk?" is one question the article does not answer, not "how many
    hours did Putin" (not covered) and "Tibilov talk" (the talks); asked of each person it still is."""
    assert conversation.answer("How many hours did Putin and Tibilov talk?").status == "unknown"
    outcome = conversation.answer("what did Putin and Tibilov say?")
    assert outcome.status == "answered"
    assert {p.entry.id for p in outcome.parts if p.entry} == {"putin_statements", "tibilov_statements"}
    assert conversation.answer("Что обсуждали Путин и Тибилов и кто об этом сообщил?").status == "answered"


def test_asking_the_bot_who_it_is_leans_on_no_earlier_answer(conversation: Conversation) -> None:
    """"ты кто вообще?" after an answer about Crimea is not a question about Crimea."""
    *_, outcome = _dialogue(conversation, ["Причём тут Крым?", "ты кто вообще? человек или бот?"])
    assert outcome.status != "answered" or outcome.reason == "small_talk"


def test_the_one_spoken_to_in_a_follow_up_is_not_the_speaker(conversation: Conversation) -> None:
    """After what he told the US, "did he say anything to Mogherini?" is still about his words: not hers."""
    context = _after(conversation, "What did Peskov tell the US?")
    outcome = conversation.answer("did he also say something to Mogherini?", context=context, now=1.0)
    assert outcome.status == "unknown", (outcome.entry.id if outcome.entry else None)
