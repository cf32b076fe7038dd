"""``treaty-bot run`` as a process against the fake Bot API: Telegram unreachable at start (retried with
back-off), DEBUG logs as JSON lines without the token, webhook secret or salt, one log line per exchange,
``treaty-bot health`` while it runs, ``/healthz`` in webhook mode, and a clean SIGTERM shutdown."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from conftest import TEST_TOKEN
from fake_telegram import FakeTelegram

from bot.config import ENV_OVERRIDES, load_config

WEBHOOK_SECRET = "webhook_Secret-0123456789"
SALT = "salt-0123456789-pepper"


def write_config(tmp_path: Path, fake: FakeTelegram, extra: str = "", *, pseudonymize: bool = True) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[telegram]\napi_base_url = "{fake.base_url}"\napi_file_url = "{fake.base_file_url}"\n{extra}\n'
        f'[storage]\npseudonymize = {str(pseudonymize).lower()}\n'
        '[logging]\nlevel = "DEBUG"\nformat = "json"\n',
        encoding="utf-8",
    )
    return path


def bot_env(tmp_path: Path, config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TREATY_BOT_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TREATY_BOT_CONFIG=str(config),
        TREATY_BOT_DATABASE=str(tmp_path / "data" / "bot.sqlite3"),
        TREATY_BOT_PSEUDONYM_SALT=SALT,
        TREATY_BOT_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    return env


async def start_bot(tmp_path: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run",
        cwd=tmp_path, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def stop_bot(proc: asyncio.subprocess.Process) -> tuple[int, str]:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    _out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode is not None
    return proc.returncode, err.decode("utf-8", "replace")


async def health(tmp_path: Path, env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "health", "--json", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, _err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode is not None
    return proc.returncode, json.loads(out)


def log_lines(stderr: str) -> list[dict[str, Any]]:
    lines = [line for line in stderr.splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines if line.startswith("{")]
    assert len(parsed) == len(lines), [line for line in lines if not line.startswith("{")][:5]
    return parsed


def assert_no_secrets(stderr: str) -> None:
    for secret in (TEST_TOKEN, TEST_TOKEN.split(":")[1], WEBHOOK_SECRET, SALT):
        assert secret not in stderr


async def test_polling_run_survives_telegram_down_at_start_and_logs_no_secrets(
    fake_tg: FakeTelegram, tmp_path: Path
) -> None:
    env = bot_env(tmp_path, write_config(tmp_path, fake_tg))
    await fake_tg.set_down(2.0)  # Telegram unreachable when the bot starts
    proc = await start_bot(tmp_path, env)
    try:
        await fake_tg.wait_up()
        await fake_tg.wait_for("getUpdates", timeout=20)
        fake_tg.add_update(fake_tg.private_message("Who signed the treaty?", user_id=700))
        call = await fake_tg.wait_for("sendMessage", lambda c: c.ok and c.params["chat_id"] == 700, 10)
        assert "Putin" in call.result["text"]
        status, report = await health(tmp_path, env)
        assert status == 0 and report["healthy"], report
        checks = {c["name"]: c["detail"] for c in report["checks"]}
        assert "last contact with Telegram" in checks["telegram"]
        assert (tmp_path / "data" / "bot.sqlite3.heartbeat").is_file()
    finally:
        code, stderr = await stop_bot(proc)
    assert code == 0, stderr[-3000:]
    assert_no_secrets(stderr)
    records = log_lines(stderr)
    assert any(r["level"] == "DEBUG" for r in records)
    assert any("Bootstrap Initialize" in r["message"] for r in records)  # retried, not crashed
    exchanges = [r for r in records if r.get("event") == "exchange"]
    assert len(exchanges) == 1 and exchanges[0]["status"] == "answered" and exchanges[0]["latency_ms"] > 0
    assert isinstance(exchanges[0]["update_id"], int)
    assert not (tmp_path / "data" / "bot.sqlite3.heartbeat").exists()  # removed on a clean stop
    with sqlite3.connect(tmp_path / "data" / "bot.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM exchanges").fetchone()[0] == 1


async def test_webhook_run_serves_healthz_and_keeps_its_secret_out_of_the_logs(
    fake_tg: FakeTelegram, tmp_path: Path
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/telegram"
    extra = f'mode = "webhook"\n[telegram.webhook]\nlisten = "127.0.0.1"\nport = {port}\npublic_url = "{url}"\n'
    # Privacy settings off, so that python-telegram-bot's DEBUG lines (the setWebhook call, with the secret)
    # are logged, and redacted (with them on, they are dropped: tests/test_lose_nothing.py).
    env = bot_env(tmp_path, write_config(tmp_path, fake_tg, extra, pseudonymize=False))
    proc = await start_bot(tmp_path, env)
    try:
        await fake_tg.wait_for("setWebhook", timeout=20)
        assert fake_tg.webhook_secret_token == WEBHOOK_SECRET
        async with aiohttp.ClientSession() as session:
            status = 0
            for _ in range(200):  # the server listens right after setWebhook; /healthz is added just after
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                        status = response.status
                except aiohttp.ClientConnectionError:
                    status = 0
                if status not in (0, 404):
                    break
                await asyncio.sleep(0.05)
            assert status == 200
        status = await fake_tg.deliver_webhook(url, fake_tg.private_message("Кто подписал договор?", user_id=701))
        assert status == 200
        await fake_tg.wait_for("sendMessage", lambda c: c.ok and c.params["chat_id"] == 701, 10)
        assert await fake_tg.deliver_webhook(url, fake_tg.private_message("hi", user_id=702), "wrong") == 403
    finally:
        code, stderr = await stop_bot(proc)
    assert code == 0, stderr[-3000:]
    assert_no_secrets(stderr)
    assert any("setWebhook" in r["message"] for r in log_lines(stderr))  # PTB logged it, redacted


def test_environment_overrides_for_containers(tmp_path: Path) -> None:
    env = {"TREATY_BOT_DATABASE": "/data/x.sqlite3", "TREATY_BOT_LOG_LEVEL": "DEBUG", "TREATY_BOT_LOG_FORMAT": "json"}
    config = load_config(None, env)
    got = (config.storage.database, config.logging.level, config.logging.format)
    assert got == ("/data/x.sqlite3", "DEBUG", "json")
    assert set(ENV_OVERRIDES) == set(env)
    from bot.config import ConfigError

    with pytest.raises(ConfigError, match="TREATY_BOT_LOG_FORMAT"):
        load_config(None, {"TREATY_BOT_LOG_FORMAT": "xml"})
