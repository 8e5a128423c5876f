"""`chanye users add/list/reset/remove` and the access rules of `chanye serve` (issue 17): exit codes, one line
per refusal, the accounts read back through the library."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chanye.cli import app, serve_access
from chanye.errors import ChanyeError
from chanye.registry import users
from chanye.registry.store import Store

runner = CliRunner()


def run(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin, catch_exceptions=False, env={"COLUMNS": "200"})


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "accounts.duckdb"
    Store(path).close()
    return path


def test_users_add_list_reset_remove(db: Path) -> None:
    added = run("users", "add", "li", "--role", "区级分析", "--district", "黄埔", "--password-stdin", "--db", str(db),
                stdin="li-password-1\n")
    assert added.exit_code == 0, added.output
    assert added.output.strip() == "已添加用户 li（区级分析）"
    added = run("users", "add", "wang", "--role", "admin", "--password-stdin", "--db", str(db), "--lang", "en",
                stdin="wang-password-1\n")
    assert added.output.strip() == "Added user wang (administrator)"

    listed = run("users", "list", "--db", str(db), "--json")
    rows = json.loads(listed.output)["rows"]
    assert [(r["user_name"], r["role"], r["district_code"]) for r in rows] == [("li", "district_analyst", "440112"),
                                                                              ("wang", "admin", None)]
    table = run("users", "list", "--db", str(db))
    assert "黄埔区" in table.output and "区级分析" in table.output and "argon2" not in table.output

    reset = run("users", "reset", "li", "--password-stdin", "--db", str(db), stdin="li-password-2\n")
    assert reset.output.strip() == "已重设 li 的密码，其会话均已退出"
    with Store.reader(db) as store:
        assert users.authenticate(store, "li", "li-password-1") is None
        assert users.authenticate(store, "li", "li-password-2").district == "440112"

    removed = run("users", "remove", "li", "--db", str(db))
    assert removed.output.strip() == "已删除用户 li"
    with Store.reader(db) as store:
        assert list(users.accounts(store)["name"]) == ["wang"]
        frame, total = users.audit_page(store)
        assert (total, list(frame["action"]), list(frame["target"])) == (
            4, ["user_remove", "user_reset", "user_add", "user_add"], ["li", "li", "wang", "li"])


def test_users_add_refuses_bad_input_in_one_line(db: Path) -> None:
    short = run("users", "add", "li", "--role", "admin", "--password-stdin", "--db", str(db), stdin="short\n")
    assert short.exit_code == 1
    assert short.output.count("\n") == 1 and "密码长度应为 8-1024 个字符" in short.output
    district = run("users", "add", "li", "--role", "district_analyst", "--password-stdin", "--db", str(db),
                   stdin="li-password-1\n")
    assert district.exit_code == 1 and "区级分析账号需要指定所在区" in district.output
    role = run("users", "add", "li", "--role", "boss", "--password-stdin", "--db", str(db), stdin="li-password-1\n")
    assert role.exit_code == 1 and "角色 'boss' 无效 (unknown role)" in role.output
    missing = run("users", "remove", "nobody", "--db", str(db))
    assert missing.exit_code == 1 and "没有用户 nobody (no such user)" in missing.output


def test_serve_refuses_no_auth_on_a_public_address(tmp_path: Path) -> None:
    never = tmp_path / "never-built.duckdb"
    result = run("serve", "--host", "0.0.0.0", "--no-auth", "--db", str(never))
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output == ("错误 Error: --no-auth 仅限本机地址 127.0.0.1、localhost、::1，不能用于 0.0.0.0 "
                             "(--no-auth: local addresses only)\n")
    assert not never.exists()  # refused before the demo is built
    public = run("serve", "--host", "0.0.0.0", "--db", str(never))
    assert public.exit_code == 1 and public.output.count("\n") == 1
    assert "没有账号，不能无登录监听 0.0.0.0 (no accounts: sign-in needed off 127.0.0.1)" in public.output


def test_serve_turns_accounts_on_when_the_store_has_one(db: Path) -> None:
    auth, hosts, note = serve_access(db, "127.0.0.1", no_auth=False, allowed_hosts=None)
    assert (auth, hosts) == (False, ["127.0.0.1", "localhost", "[::1]"])
    assert note.startswith("未设账号：仅本机 127.0.0.1 访问")
    run("users", "add", "wang", "--role", "admin", "--password-stdin", "--db", str(db), stdin="wang-password-1\n")
    assert serve_access(db, "0.0.0.0", no_auth=False, allowed_hosts=["chanye.example"]) == (
        True, ["chanye.example"], "已启用账号登录：1 个账号")
    assert serve_access(db, "::1", no_auth=True, allowed_hosts=None)[:2] == (False, ["[::1]", "localhost", "127.0.0.1"])
    with pytest.raises(ChanyeError, match=r"--no-auth 仅限本机地址 127.0.0.1、localhost、::1，不能用于 192.168.1.20"):
        serve_access(db, "192.168.1.20", no_auth=True, allowed_hosts=None)
