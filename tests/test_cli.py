"""The README's "run the system" command, and development tokens for users of the directory."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from uuid import uuid4

import asyncpg
import httpx
import jwt
from docx import Document

from services import registry
from services.eventkit.settings import Settings
from tests.conftest import ROOT, Infra, SettingsFactory, eventually

OFFSET = 100  # beside a system that runs on the usual ports


def _env(settings: Settings, prefix: str) -> dict[str, str]:
    return os.environ | {
        "HOUQIN_DATABASE_PREFIX": prefix,
        "HOUQIN_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "HOUQIN_NAMESPACE": settings.namespace,
        "HOUQIN_PORT_OFFSET": str(OFFSET),
        "HOUQIN_STATE_DIR": str(ROOT / "infra" / ".state" / "test-up"),
        "HOUQIN_LOG_LEVEL": "WARNING",
        "COLUMNS": "200",
    }


async def test_up_starts_every_service_prints_where_and_a_token_and_stops_cleanly(
    make_settings: SettingsFactory, infra: Infra
) -> None:
    settings = await make_settings("directory", namespace_suffix="up")
    prefix = f"houqin_up_{uuid4().hex[:6]}"
    admin = await asyncpg.connect(infra.admin_dsn())
    try:
        for service in registry.NAMES:
            await admin.execute(f'CREATE DATABASE "{registry.database_of(service, prefix)}"')
    finally:
        await admin.close()
    env = _env(settings, prefix)
    up = await asyncio.create_subprocess_exec(  # the real command, as a user runs it
        sys.executable, "-m", "services", "up", cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert up.stdout is not None
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while (left := deadline - time.monotonic()) > 0:
            try:  # bounded: a command that neither prints nor ends fails the test instead of hanging it
                line = (await asyncio.wait_for(up.stdout.readline(), left)).decode()
            except TimeoutError:
                break
            if not line:
                break
            lines.append(line.strip())
            if line.startswith("Houqin is up"):
                break
        output = "\n".join(lines)
        assert any(line.startswith("Houqin is up") for line in lines), output
        for entry in registry.SERVICES:  # every service, each at its port + HOUQIN_PORT_OFFSET
            assert f"http://127.0.0.1:{entry.port + OFFSET}/docs" in output, output
        assert f"http://127.0.0.1:{registry.GATEWAY_PORT + OFFSET}/graphql" in output, output
        demo, token = [line for line in lines if line.startswith("eyJ")]
        demo_claims = jwt.decode(demo, settings.jwt_secret, algorithms=["HS256"])
        assert demo_claims["roles"] == ["district_admin"] and demo_claims["scope"]["districts"] == ["xinbei"]
        assert jwt.decode(token, settings.jwt_secret, algorithms=["HS256"])["roles"] == ["platform_admin"]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{registry.GATEWAY_PORT + OFFSET}") as gateway:
            answer = await gateway.post(
                "/graphql",
                json={"query": "{ districts { nodes { name } } }"},
                headers={"Authorization": f"Bearer {demo}"},
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["data"] == {"districts": {"nodes": [{"name": "新北区"}]}}  # the demo district

        await the_report_command_writes_the_demo_school_s_report(env)

        directory = f"http://127.0.0.1:{registry.service('directory').port + OFFSET}"
        async with httpx.AsyncClient(base_url=directory) as client:
            assert (await client.get("/readyz")).json()["status"] == "ready"
            auth = {"Authorization": f"Bearer {token}"}
            for path, body in [
                ("/districts", {"district_id": "wujin", "name": "武进区"}),
                ("/schools", {"school_id": "hutang", "district_id": "wujin", "name": "湖塘实验小学"}),
                ("/campuses", {"campus_id": "hutang-main", "school_id": "hutang", "name": "本部"}),
                (
                    "/staff",
                    {
                        "staff_id": "wu",
                        "district_id": "wujin",
                        "school_id": "hutang",
                        "name": "吴师傅",
                        "roles": ["guard"],
                        "campus_ids": ["hutang-main"],
                    },
                ),
            ]:
                response = await client.post(path, json=body, headers=auth)
                assert response.status_code == 200, response.text

            async def guard_listed() -> bool:
                page = (await client.get("/staff", headers=auth)).json()
                return any(item["staff_id"] == "wu" for item in page["items"])

            await eventually(guard_listed)
    finally:
        if up.returncode is None:
            up.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(up.wait(), 60)
        except TimeoutError:
            up.kill()
            await up.wait()
            raise
    assert up.returncode == 0

    minted = subprocess.run(  # noqa: ASYNC221
        [sys.executable, "-m", "services", "token", "wu"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    claims = jwt.decode(minted.stdout.strip(), settings.jwt_secret, algorithms=["HS256"])
    assert claims["sub"] == "wu" and claims["roles"] == ["guard"]
    assert claims["scope"]["campuses"] == ["hutang-main"]
    granted = subprocess.run(  # noqa: ASYNC221
        [sys.executable, "-m", "services", "token", "wu", "--grant", "guard:campus:hutang-main", "--grant",
         "teacher:school:hutang"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )  # fmt: skip
    claims = jwt.decode(granted.stdout.strip(), settings.jwt_secret, algorithms=["HS256"])
    assert claims["grants"] == [
        {"role": "guard", "campus": "hutang-main"},
        {"role": "teacher", "school": "hutang"},
    ]
    assert claims["sub"] == "wu" and claims["roles"] == ["guard", "teacher"]
    bad_grant = subprocess.run(  # noqa: ASYNC221
        [sys.executable, "-m", "services", "token", "wu", "--grant", "guard:room:101"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad_grant.returncode == 2 and "--grant" in bad_grant.stderr and not bad_grant.stdout

    unknown = subprocess.run(  # noqa: ASYNC221
        [sys.executable, "-m", "services", "token", "nobody"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert unknown.returncode == 1 and "nobody" in unknown.stderr and not unknown.stdout

    admin = await asyncpg.connect(infra.admin_dsn())
    try:
        for service in registry.NAMES:
            await admin.execute(f'DROP DATABASE IF EXISTS "{registry.database_of(service, prefix)}" WITH (FORCE)')
    finally:
        await admin.close()


async def the_report_command_writes_the_demo_school_s_report(env: dict[str, str]) -> None:
    """``./houqin report`` against the system ``up`` started: the Word file of the demo school's
    term; a teacher is refused; a format it does not write is a usage error."""

    async def report(*args: str) -> tuple[int, str]:
        done = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "services", "report", "xuexiao", "2020-2021-1", *args,
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(done.communicate(), 120)
        return done.returncode or 0, out.decode()

    with tempfile.TemporaryDirectory() as d:
        target = Path(d) / "xuexiao.docx"
        code, out = await report("--format", "docx", "-o", str(target))
        assert code == 0 and f"wrote {target}" in out, out
        paragraphs = [p.text for p in Document(str(target)).paragraphs]
        assert paragraphs[0] == "薛家实验小学后勤工作总结" and "【工作目标回顾】" in paragraphs
    code, out = await report("--as", "huang")
    assert code == 1 and "refused (403)" in out, out
    code, out = await report("--format", "exe")
    assert code == 2 and "one of pdf, docx, html" in out, out
