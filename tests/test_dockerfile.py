"""The Dockerfile's install steps, done here without Docker: build the wheel from exactly what the build
stage copies, install it (only the wheel) into a fresh virtual environment, and run ``treaty-bot health``
from a directory that is not the repository: the knowledge base must come from inside the wheel.

Offline: the wheel is built with this environment's setuptools (``--no-build-isolation``), and the new
environment finds the runtime dependencies through a ``.pth`` line pointing at this environment's
site-packages (where pip sees them as installed), so ``pip install --no-index`` needs no index.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def stages(text: str) -> list[list[tuple[str, str]]]:
    result: list[list[tuple[str, str]]] = []
    for ins in instructions(text):
        if ins[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(ins)
    return result


def test_dockerfile_shape() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim$", text, re.MULTILINE)
    build, final = stages(text)
    assert build[0] == ("FROM", "${PYTHON_IMAGE} AS build") and final[0] == ("FROM", "${PYTHON_IMAGE}")
    final_dict = {k: v for k, v in final}
    user = final_dict["USER"].split(":")[0]
    assert user not in ("root", "0")
    assert "treaty-bot" in final_dict["HEALTHCHECK"] and final_dict["HEALTHCHECK"].endswith('["treaty-bot", "health"]')
    assert final_dict["VOLUME"] == '["/data"]'
    assert "TREATY_BOT_DATABASE=/data/treaty-bot.sqlite3" in final_dict["ENV"]
    assert final_dict["ENTRYPOINT"] == '["treaty-bot"]' and final_dict["CMD"] == '["run"]'
    # The final stage installs the wheel only: no COPY of sources, no build tools.
    assert not any(k == "COPY" for k, _ in final)
    assert "--no-index" in final_dict["RUN"] and "treaty_bot-*.whl" in final_dict["RUN"]
    dockerignore = (ROOT / ".dockerignore").read_text(encoding="utf-8")
    for copied in build_stage_sources(text):
        assert f"!{copied}" in dockerignore or f"!{copied}/" in dockerignore, copied


def build_stage_sources(text: str) -> list[str]:
    """What the build stage COPYs from the context (the last word of each COPY is the destination)."""
    sources: list[str] = []
    for word, args in stages(text)[0]:
        if word == "COPY" and "--from" not in args:
            sources += args.split()[:-1]
    return sources


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the treaty-bot wheel installed as the Dockerfile installs it."""
    tmp = tmp_path_factory.mktemp("docker")
    src, wheels, venv = tmp / "src", tmp / "wheels", tmp / "venv"
    src.mkdir()
    for name in build_stage_sources(DOCKERFILE.read_text(encoding="utf-8")):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, src / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TREATY_BOT_", "PYTHON", "PIP_"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    built = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "--wheel-dir", str(wheels), str(src)],
        tmp, env, timeout=120,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = wheels.glob("treaty_bot-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "bot/_knowledge/meta.toml" in names and "bot/_knowledge/article.txt" in names
    assert any(n.startswith("bot/_knowledge/entries/") and n.endswith(".toml") for n in names)
    assert not any(n.startswith(("tests/", "benchmarks/")) for n in names)

    made = run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp, env)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp, env)
    # The runtime dependencies: this environment's site-packages, after the new one's own. Its .pth files
    # (this project's editable install among them) are not processed from there.
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site.stdout.strip(), "_runtime_deps.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    install = run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-index",
         f"--find-links={wheels}", str(wheel)],
        tmp, env, timeout=120,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return venv


def clean_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TREATY_BOT_", "PYTHON", "TELEGRAM_"))}
    env.update(extra)
    return env


def test_the_installed_wheel_finds_its_knowledge_and_is_healthy(installed: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    database = tmp_path / "data" / "treaty-bot.sqlite3"
    env = clean_env(tmp_path, TREATY_BOT_DATABASE=str(database))
    treaty_bot = str(installed / "bin" / "treaty-bot")

    where = run([str(installed / "bin" / "python"), "-c", "import bot; print(bot.__file__)"], elsewhere, env)
    assert where.stdout.strip().startswith(str(installed)), where.stdout + where.stderr

    health = run([treaty_bot, "health", "--json"], elsewhere, env)
    assert health.returncode == 0, health.stdout + health.stderr
    report = json.loads(health.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert report["healthy"] and all(c["ok"] for c in checks.values())
    assert str(installed) in checks["knowledge"]["detail"] and "_knowledge" in checks["knowledge"]["detail"]
    assert "not created yet" in checks["database"]["detail"]

    answer = run([treaty_bot, "ask", "who signed the treaty?"], elsewhere, env)
    assert answer.returncode == 0 and "Putin" in answer.stdout, answer.stdout + answer.stderr

    # The database as the bot creates it (schema migrated), then a heartbeat: fresh is healthy, stale is not.
    created = run(
        [str(installed / "bin" / "python"), "-c",
         "import asyncio, sys; from bot.storage import Storage\n"
         "async def main():\n    s = await Storage(sys.argv[1]).open(); await s.close()\n"
         "asyncio.run(main())", str(database)],
        elsewhere, env,
    )
    assert created.returncode == 0, created.stderr
    heartbeat = Path(f"{database}.heartbeat")
    heartbeat.write_text(json.dumps({"pid": 1, "mode": "polling", "started": time.time(), "last_contact": time.time()}))
    health = run([treaty_bot, "health"], elsewhere, env)
    assert health.returncode == 0 and "schema version" in health.stdout, health.stdout + health.stderr
    heartbeat.write_text(json.dumps({"pid": 1, "mode": "polling", "started": 0, "last_contact": time.time() - 600}))
    health = run([treaty_bot, "health"], elsewhere, env)
    assert health.returncode == 1 and "FAIL telegram" in health.stderr, health.stdout + health.stderr
