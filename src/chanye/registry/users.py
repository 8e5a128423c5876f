"""Local accounts, their sessions and the audit log (issue 17): the `users`, `sessions` and `audit` tables.

Passwords are stored as argon2id hashes (argon2-cffi's defaults: RFC 9106's second recommended setting), never
as text. A session token is random (`secrets.token_urlsafe`, 256 bits) and only its SHA-256 is stored, so a
copy of the database file opens no live session. Every function takes a `Store`; the writing ones call its
`transaction()`. Timestamps are naive UTC.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from chanye.errors import InputError, NotFound
from chanye.registry.store import Store

_hasher = PasswordHasher()
# Verified when the name is unknown, so a wrong name costs as long as a wrong password (no timing oracle).
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))

MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 hashes any length; a bound keeps a hostile request cheap
MAX_NAME = 64


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    district: str | None


@dataclass(frozen=True)
class Session:
    """A live session: whose it is and the CSRF token its forms carry."""

    user: Account
    csrf: str
    expires_at: datetime


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    text = (name or "").strip()
    if not text or len(text) > MAX_NAME or any(c.isspace() or not c.isprintable() for c in text):
        raise InputError(f"用户名 {text[:MAX_NAME]!r} 无效：1-{MAX_NAME} 个字符，不含空格 (invalid user name)",
                         hint="例如 chen.li 或 陈力")
    return text


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD or len(password) > MAX_PASSWORD:
        raise InputError(f"密码长度应为 {MIN_PASSWORD}-{MAX_PASSWORD} 个字符 (password must be {MIN_PASSWORD}-"
                         f"{MAX_PASSWORD} characters)", hint="用 --password-stdin 从管道读入，或按提示输入")
    return password


# --- accounts --------------------------------------------------------------------------------------------------


def add(store: Store, name: str, role: str, district: str | None, password: str) -> Account:
    """A new account (the caller checked `role` and resolved `district` to an adcode)."""
    name, password = check_name(name), check_password(password)
    digest = _hasher.hash(password)
    with store.transaction() as con:
        if con.execute("SELECT count(*) FROM users WHERE name = ?", [name]).fetchall()[0][0]:
            raise InputError(f"用户 {name} 已存在 (user exists)", hint="用 chanye users reset 重设密码")
        con.execute("INSERT INTO users (name, role, district, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                    [name, role, district, digest, now()])
    return Account(name, role, district)


def remove(store: Store, name: str) -> None:
    """Delete an account and end its sessions (its audit entries stay)."""
    with store.transaction() as con:
        if not con.execute("SELECT count(*) FROM users WHERE name = ?", [name]).fetchall()[0][0]:
            raise NotFound(f"没有用户 {name[:MAX_NAME]} (no such user)", hint="用 chanye users list 查看")
        con.execute("DELETE FROM sessions WHERE user_name = ?", [name])
        con.execute("DELETE FROM users WHERE name = ?", [name])


def reset(store: Store, name: str, password: str) -> None:
    """A new password; every session of the account ends."""
    password = check_password(password)
    digest = _hasher.hash(password)
    with store.transaction() as con:
        if not con.execute("SELECT count(*) FROM users WHERE name = ?", [name]).fetchall()[0][0]:
            raise NotFound(f"没有用户 {name[:MAX_NAME]} (no such user)", hint="用 chanye users list 查看")
        con.execute("UPDATE users SET password_hash = ? WHERE name = ?", [digest, name])
        con.execute("DELETE FROM sessions WHERE user_name = ?", [name])


def accounts(store: Store) -> pd.DataFrame:
    """Every account: name, role, district, created_at, disabled_at (no hashes), by name."""
    return store.query("SELECT name, role, district, created_at, disabled_at FROM users ORDER BY name")


def active_count(store: Store) -> int:
    """How many accounts may sign in (0 on a store from before accounts existed)."""
    if store.version < 5:
        return 0
    return int(store.scalar("SELECT count(*) FROM users WHERE disabled_at IS NULL"))


def authenticate(store: Store, name: str, password: str) -> Account | None:
    """The account when name and password match an enabled one, else None (same cost either way)."""
    rows = store.con.execute("SELECT name, role, district, password_hash FROM users WHERE name = ? AND "
                             "disabled_at IS NULL", [(name or "")[:MAX_NAME]]).fetchall()
    digest = rows[0][3] if rows else _DUMMY
    try:
        ok = _hasher.verify(digest, (password or "")[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        ok = False
    if not rows or not ok:
        return None
    return Account(rows[0][0], rows[0][1], rows[0][2])


# --- sessions --------------------------------------------------------------------------------------------------


def open_session(store: Store, name: str, *, hours: float = 12.0) -> tuple[str, str]:
    """A new session of `name`: (token for the cookie, CSRF token for its forms). Expired sessions go."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    at = now()
    with store.transaction() as con:
        con.execute("DELETE FROM sessions WHERE expires_at <= ?", [at])
        con.execute("INSERT INTO sessions (token_hash, user_name, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                    [_digest(token), name, csrf, at, at + timedelta(hours=hours)])
    return token, csrf


def session(store: Store, token: str) -> Session | None:
    """The live session of a cookie's token (its account enabled, not expired), else None."""
    if not token or len(token) > 200:
        return None
    rows = store.con.execute(
        "SELECT u.name, u.role, u.district, s.csrf, s.expires_at FROM sessions s JOIN users u ON u.name = s.user_name "
        "WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled_at IS NULL", [_digest(token), now()]).fetchall()
    if not rows:
        return None
    name, role, district, csrf, expires = rows[0]
    return Session(Account(name, role, district), csrf, expires)


def close_session(store: Store, token: str) -> None:
    with store.transaction() as con:
        con.execute("DELETE FROM sessions WHERE token_hash = ?", [_digest(token)])


# --- the audit log ---------------------------------------------------------------------------------------------


def record(store: Store, user: str | None, action: str, target: str | None = None, detail: str | None = None) -> None:
    """One audit entry (action: login, login_failed, logout, import, export, firm_view, user_add, ...)."""
    with store.transaction() as con:
        con.execute("INSERT INTO audit (happened_at, user_name, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                    [now(), user, action, (target or "")[:500] or None, (detail or "")[:1000] or None])


def audit_page(store: Store, *, limit: int = 50, offset: int = 0, user: str | None = None,
               action: str | None = None) -> tuple[pd.DataFrame, int]:
    """One page of the audit log, newest first (LIMIT/OFFSET in SQL), and the count of all matching entries."""
    where, params = ["TRUE"], []
    if user:
        where.append("user_name = ?")
        params.append(user)
    if action:
        where.append("action = ?")
        params.append(action)
    clause = " AND ".join(where)
    total = int(store.scalar(f"SELECT count(*) FROM audit WHERE {clause}", params))
    frame = store.query('SELECT id, happened_at AS "at", user_name AS "user", action, target, detail FROM audit '
                        f"WHERE {clause} ORDER BY id DESC LIMIT ? OFFSET ?", [*params, int(limit), int(offset)])
    return frame, total
