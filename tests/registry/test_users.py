"""Accounts, sessions and the audit log in the store (registry/users.py, issue 17)."""

from __future__ import annotations

import pytest

from chanye.errors import InputError, NotFound
from chanye.registry import users
from chanye.registry.store import MIGRATIONS, Store


@pytest.fixture
def store():
    s = Store(":memory:")
    yield s
    s.close()


def test_the_migration_adds_the_three_tables(store):
    assert store.version == len(MIGRATIONS)
    tables = set(store.query("SELECT table_name FROM information_schema.tables")["table_name"])
    assert {"users", "sessions", "audit"} <= tables
    assert users.active_count(store) == 0


def test_an_account_signs_in_with_its_password_only(store):
    account = users.add(store, "li", "district_analyst", "440112", "correct-horse-1")
    assert account == users.Account("li", "district_analyst", "440112")
    assert users.active_count(store) == 1
    stored = store.scalar("SELECT password_hash FROM users WHERE name = 'li'")
    assert stored.startswith("$argon2id$") and "correct-horse-1" not in stored
    assert users.authenticate(store, "li", "correct-horse-1") == account
    assert users.authenticate(store, "li", "correct-horse-2") is None
    assert users.authenticate(store, "nobody", "correct-horse-1") is None
    assert users.authenticate(store, "", "") is None


def test_bad_names_passwords_and_duplicates_are_refused(store):
    with pytest.raises(InputError, match=r"密码长度应为 8-1024 个字符 \(password must be 8-1024 characters\)"):
        users.add(store, "li", "admin", None, "short")
    with pytest.raises(InputError, match=r"用户名 'a b' 无效"):
        users.add(store, "a b", "admin", None, "long-enough")
    users.add(store, "li", "admin", None, "long-enough")
    with pytest.raises(InputError, match=r"用户 li 已存在 \(user exists\)"):
        users.add(store, "li", "visitor", None, "long-enough")
    with pytest.raises(NotFound, match=r"没有用户 wang \(no such user\)"):
        users.remove(store, "wang")
    with pytest.raises(NotFound, match=r"没有用户 wang \(no such user\)"):
        users.reset(store, "wang", "long-enough")


def test_sessions_are_stored_as_digests_and_end_on_expiry_reset_and_removal(store):
    users.add(store, "li", "city_analyst", None, "long-enough")
    token, csrf = users.open_session(store, "li")
    assert len(token) == 43 and len(csrf) == 43 and token != csrf  # 32 random bytes, URL-safe base64
    assert store.scalar("SELECT count(*) FROM sessions WHERE token_hash = ?", [token]) == 0  # only the digest
    found = users.session(store, token)
    assert (found.user.name, found.user.role, found.csrf) == ("li", "city_analyst", csrf)
    assert users.session(store, token + "x") is None
    assert users.session(store, "") is None

    expired, _ = users.open_session(store, "li", hours=-1)
    assert users.session(store, expired) is None
    users.open_session(store, "li")  # opening one deletes the expired ones
    assert store.scalar("SELECT count(*) FROM sessions") == 2

    users.reset(store, "li", "another-password")
    assert users.session(store, token) is None
    assert users.authenticate(store, "li", "long-enough") is None
    assert users.authenticate(store, "li", "another-password") is not None

    token, _ = users.open_session(store, "li")
    users.close_session(store, token)
    assert users.session(store, token) is None
    token, _ = users.open_session(store, "li")
    users.remove(store, "li")
    assert users.session(store, token) is None
    assert store.scalar("SELECT count(*) FROM sessions") == 0
    assert users.accounts(store).empty


def test_the_audit_log_pages_in_sql_newest_first(store):
    for i in range(7):
        users.record(store, "wang" if i % 2 else "li", "firm_view" if i < 5 else "export", f"T{i}", None)
    frame, total = users.audit_page(store, limit=3, offset=3)
    assert total == 7
    assert list(frame["id"]) == [4, 3, 2]
    assert list(frame["target"]) == ["T3", "T2", "T1"]
    assert list(frame["user"]) == ["wang", "li", "wang"]
    frame, total = users.audit_page(store, limit=10, action="export")
    assert (total, list(frame["target"])) == (2, ["T6", "T5"])
    frame, total = users.audit_page(store, limit=10, user="li", action="firm_view")
    assert (total, list(frame["target"])) == (3, ["T4", "T2", "T0"])
