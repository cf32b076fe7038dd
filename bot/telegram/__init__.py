"""The Telegram adapter: ``app.build_application`` registers every handler; handlers are thin, by area."""
