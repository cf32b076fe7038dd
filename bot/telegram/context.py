"""The bot's shared state (``Services``, kept in ``bot_data``) and the typed ``BotContext`` handlers get.

Handlers reach the knowledge base, the matcher, the chat log and the flood state only through
``context.services``. The knowledge base is the curation store's (``Services.curation``), so an admin
edit, undo or reload swaps it, and the matcher with it, for every handler.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any, Generic, TypeVar

from telegram import User
from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from bot.config import Config
from bot.contexts import Contexts
from bot.conversation import Conversation
from bot.curation.store import CurationStore
from bot.engine import build_matcher
from bot.flood import FloodControl
from bot.knowledge import KnowledgeBase
from bot.lexicon import LANGS
from bot.matching import Matcher, detect_language
from bot.storage import Click, Exchange, Feedback, GroupSettings, LanguageChoice, Storage

log = logging.getLogger(__name__)

SERVICES_KEY = "services"

K = TypeVar("K")
V = TypeVar("V")


class Lru(Generic[K, V]):
    """A dict that forgets its least recently used keys beyond ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._data: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def put(self, key: K, value: V) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.limit:
            self._data.popitem(last=False)

    def pop(self, key: K) -> None:
        self._data.pop(key, None)

    def __len__(self) -> int:
        return len(self._data)


def telegram_language(user: User | None) -> str | None:
    """The user's Telegram interface language when it is one we answer in (``ru-RU`` counts as ``ru``)."""
    code = (user.language_code or "") if user is not None else ""
    base = code.split("-")[0].lower()
    return base if base in LANGS else None


class Services:
    """Everything handlers share; one instance per Application, in ``bot_data[SERVICES_KEY]``.

    The live knowledge base is owned by ``curation`` (the curation store: ``knowledge/`` plus the admins'
    stored edits); ``kb`` reads it there, and the matcher follows it: a new knowledge base (an edit, an
    undo, a reload) gets a new matcher at once, for every handler.
    """

    def __init__(
        self,
        config: Config,
        kb: KnowledgeBase,
        matcher: Matcher,
        storage: Storage | None = None,
        *,
        curation: CurationStore | None = None,
    ) -> None:
        self.config = config
        self.storage = storage
        self.curation = curation if curation is not None else CurationStore(kb, storage)
        self.matcher = matcher  # built for ``kb``; rebuilt whenever the curation store has a new one
        self.conversation = Conversation(matcher)
        self.flood = FloodControl(config.flood)
        # The last answer per conversation (a private chat, or one user in a group), for follow-ups.
        self.contexts = Contexts()
        # The fixed /lang choices ("en"/"ru"), by the user id as stored (``_language_key``): all of them,
        # loaded at start (``load_languages``) and kept current, so a reply never waits on the database.
        self.languages: dict[str, str] = {}
        # (chat id, the user's message id) -> the bot's reply, so that an edited question edits the answer.
        self.replies: Lru[tuple[int, int], int] = Lru(20_000)
        # (group chat id, the bot's answer) -> the user who asked: only they can use its buttons (the chat
        # log, and the question the answer replies to, tell once this has forgotten; bot/telegram/group.py).
        self.askers: Lru[tuple[int, int], int] = Lru(20_000)
        # Each group's /settings (compact answers, its language): all of them, loaded at start
        # (``load_group_settings``) and kept current, so a reply never waits on the database.
        self.groups: dict[int, GroupSettings] = {}
        self.curation.subscribe(self._follow)
        self._follow(self.curation.kb)  # a store passed in may already hold edits over ``kb``

    @property
    def kb(self) -> KnowledgeBase:
        """The live knowledge base (the curation store's)."""
        return self.curation.kb

    def _follow(self, kb: KnowledgeBase) -> None:
        """A new live knowledge base: answer from it (a new matcher with the configured thresholds)."""
        if self.matcher.kb is not kb:
            self.matcher = build_matcher(kb, self.config)
            self.conversation = Conversation(self.matcher)

    def replace_knowledge(self, kb: KnowledgeBase) -> None:
        """Answer from ``kb`` from now on (it becomes the curation store's base, with no edits applied)."""
        self.curation.replace(kb)

    # --- languages ---------------------------------------------------------------------------

    def _language_key(self, user_id: int) -> str:
        """A user id as ``user_prefs`` stores it (a salted hash when pseudonymizing)."""
        key = self.storage.user_key(user_id) if self.storage is not None else None
        return key if key is not None else str(user_id)

    async def load_languages(self) -> None:
        """Read every stored /lang choice into memory (at start, once the database is open)."""
        if self.storage is None or not self.storage.is_open:
            return
        try:
            stored = await self.storage.user_languages()
        except Exception:
            log.warning("could not read the users' language choices from the database", exc_info=True)
            return
        self.languages = {**stored, **self.languages}  # a choice made meanwhile wins
        log.info("%d language choices loaded", len(stored))

    # --- groups' settings ----------------------------------------------------------------------

    async def load_group_settings(self) -> None:
        """Read every group's stored /settings into memory (at start, once the database is open)."""
        if self.storage is None or not self.storage.is_open:
            return
        try:
            stored = await self.storage.group_settings()
        except Exception:
            log.warning("could not read the groups' settings from the database", exc_info=True)
            return
        self.groups = {**stored, **self.groups}  # a change made meanwhile wins
        log.info("%d group settings loaded", len(stored))

    def group_settings(self, chat_id: int | None) -> GroupSettings:
        """A chat's /settings, from memory only (the defaults for a chat that has none, private ones too)."""
        found = self.groups.get(chat_id) if chat_id is not None else None
        return found if found is not None else GroupSettings(chat_id=chat_id or 0)

    def set_group_settings(self, settings: GroupSettings) -> None:
        """Apply a group's new /settings at once; stored through the chat log's queue (never awaited)."""
        self.groups[settings.chat_id] = settings
        if self.storage is not None and self.storage.is_open:
            try:
                self.storage.record_group_settings(settings)
            except Exception:
                log.warning("could not queue a group's settings", exc_info=True)

    async def fixed_language(self, user_id: int | None, chat_id: int | None = None) -> str | None:
        """The language every answer must be in: the group's, else the user's /lang choice; None: auto."""
        return self.group_settings(chat_id).fixed_lang or (
            await self.chosen_language(user_id) if user_id is not None else None
        )

    async def chosen_language(self, user_id: int) -> str | None:
        """The user's fixed /lang choice ("en"/"ru"; None for Auto or no choice), from memory only."""
        return self.languages.get(self._language_key(user_id))

    async def set_language(self, user_id: int, lang: str) -> None:
        """Remember a /lang choice, "en", "ru" or "auto": in memory at once, in the database through the
        chat log's queue (never awaited)."""
        key = self._language_key(user_id)
        if lang in LANGS:
            self.languages[key] = lang
        else:
            self.languages.pop(key, None)
        if self.storage is not None and self.storage.is_open:
            try:
                self.storage.record_language(LanguageChoice(user_id=user_id, lang=lang))
            except Exception:
                log.warning("could not queue a user's language choice", exc_info=True)

    async def fallback_language(self, user: User | None, chat_id: int | None = None) -> str:
        """The language to use when the text itself does not say: the group's, /lang, Telegram's, the
        default."""
        chosen = await self.fixed_language(user.id if user is not None else None, chat_id)
        return chosen or telegram_language(user) or self.config.bot.default_language

    async def reply_language(self, text: str | None, user: User | None, chat_id: int | None = None) -> str:
        """The group's language or a fixed /lang choice, else the question's script, else Telegram's
        language or the default."""
        chosen = await self.fixed_language(user.id if user is not None else None, chat_id)
        return chosen or (detect_language(text) if text else None) or telegram_language(user) or (
            self.config.bot.default_language
        )

    async def forget(self, user_id: int) -> int:
        """Delete what is recorded about a user; the number of records deleted."""
        self.languages.pop(self._language_key(user_id), None)
        self.contexts.forget_user(user_id)
        if self.storage is None or not self.storage.is_open:
            return 0
        return await self.storage.forget_user(user_id)

    # --- the chat log (never awaited) --------------------------------------------------------

    def record(self, record: Exchange | Feedback | Click) -> None:
        if self.storage is None or not self.storage.is_open:
            return
        try:
            if isinstance(record, Exchange):
                self.storage.record_exchange(record)
            elif isinstance(record, Feedback):
                self.storage.record_feedback(record)
            else:
                self.storage.record_click(record)
        except Exception:
            log.warning("could not queue a record for the chat log", exc_info=True)


class BotContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context of every handler, with the bot's ``services``."""

    @property
    def services(self) -> Services:
        services = self.bot_data.get(SERVICES_KEY)
        if not isinstance(services, Services):
            raise RuntimeError("bot_data has no Services: build the application with build_application()")
        return services


BotApplication = Application[
    ExtBot[Any], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], JobQueue[BotContext]
]
