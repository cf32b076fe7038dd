"""treaty-bot: answers questions about the Russia–South Ossetia Treaty on Alliance and Integration.

Floors, bottom up: the core (knowledge, lexicon, analysis, matching, the learned decision, conversation,
evaluation, curation logic, texts, flood, config; pure, no Telegram, aiosqlite or CLI import) ->
adapters (``bot.storage`` owns every SQL statement; ``bot.telegram`` holds thin handlers by area; the
curation store) -> entry points (``bot.cli``, ``bot.cli_kb``, ``bot.cli_db``, ``bot.health``).
``tests/test_architecture.py`` keeps it so.
"""
