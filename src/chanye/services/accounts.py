"""Accounts, sessions and the audit log (issue 17) as library calls: what `chanye users ...`, the login page and
the admin pages call. The tables live in the store (`registry.users`); roles and their rules in
`services.access`.

Functions take a `Store` (the CLI's reader, or a Platform's `bookkeeping()` store for writes) and, where a
district is named, the pack's City.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from chanye.errors import InputError
from chanye.registry import users
from chanye.services.access import Role, Viewer, require_admin
from chanye.services.results import REGISTRY, Column, Table, table
from chanye.standards.regions import City

ROLE_NAMES = {"管理员": Role.admin, "市级分析": Role.city_analyst, "区级分析": Role.district_analyst, "访客": Role.visitor}
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})  # where serving without accounts is allowed
ACTIONS = ("login", "login_failed", "logout", "import", "export", "firm_view", "user_add", "user_remove",
           "user_reset", "denied")

USER_COLUMNS = (
    Column("user_name", label="user_name"),
    Column("role", "code", codes="role", label="user_role"),
    Column("district_code", "code", label="adcode"),
    Column("district", "name", label="user_district"),
    Column("created_at", label="created_at"),
    Column("disabled_at", label="disabled_at"),
)
AUDIT_COLUMNS = (
    Column("id", "integer", "count", label="audit_id"),
    Column("at", label="audit_at"),
    Column("user_name", label="user_name"),
    Column("action", "code", codes="audit_action", label="audit_action"),
    Column("target", label="audit_target"),
    Column("detail", label="audit_detail"),
)


@dataclass(frozen=True)
class AuditPage:
    """One page of the audit log, newest first; `total` entries match in all."""

    entries: Table
    total: int
    limit: int
    offset: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1


def role_of(text: str) -> Role:
    """A role by its id (admin, city_analyst, district_analyst, visitor) or its Chinese name (管理员 ...)."""
    value = (text or "").strip()
    if value in ROLE_NAMES:
        return ROLE_NAMES[value]
    try:
        return Role(value)
    except ValueError:
        raise InputError(f"角色 {value[:40]!r} 无效 (unknown role)",
                         hint="可用: admin 管理员, city_analyst 市级分析, district_analyst 区级分析, visitor 访客") from None


def district_of(city: City, role: Role, district: str | None) -> str | None:
    """The adcode of a district analyst's district (any spelling of one of `city`'s districts); other roles
    have none."""
    if role is not Role.district_analyst:
        if district:
            raise InputError(f"只有区级分析账号有所在区 (--district is for district_analyst, not {role.value})",
                             hint="去掉 --district，或用 --role district_analyst")
        return None
    if not district:
        raise InputError("区级分析账号需要指定所在区 (a district analyst needs a district)", hint="例如 --district 黄埔")
    region = city.resolve_district(district)
    if region is None:
        raise InputError(f"{city.name}没有区 {str(district)[:40]!r} (unknown district)",
                         hint="可用: " + "、".join(d.name for d in city.districts))
    return region.code


def add_user(store, city: City, name: str, role: str, password: str, district: str | None = None, *,
             by: str | None = None) -> users.Account:
    """A new account; audited as user_add (by `by`, None for the command line)."""
    chosen = role_of(role)
    account = users.add(store, name, chosen.value, district_of(city, chosen, district), password)
    users.record(store, by, "user_add", account.name, f"{chosen.value} {account.district or ''}".strip())
    return account


def remove_user(store, name: str, *, by: str | None = None) -> None:
    users.remove(store, name)
    users.record(store, by, "user_remove", name)


def reset_password(store, name: str, password: str, *, by: str | None = None) -> None:
    users.reset(store, name, password)
    users.record(store, by, "user_reset", name)


def active_count(store) -> int:
    """How many accounts may sign in (0: the dashboard serves 127.0.0.1 only, without sign-in)."""
    return users.active_count(store)


def users_table(store, city: City) -> Table:
    """Every account (no password hashes): name, role, district, created, disabled."""
    frame = users.accounts(store)
    rows = []
    for r in frame.to_dict("records"):
        code = r["district"] if isinstance(r["district"], str) else None
        rows.append({
            "user_name": r["name"], "role": r["role"], "district_code": code,
            "district": {"zh": city.district_label(code, "zh"), "en": city.district_label(code, "en")} if code else None,
            "created_at": _when(r["created_at"]), "disabled_at": _when(r["disabled_at"]),
        })
    return table("users", USER_COLUMNS, rows, REGISTRY)


def audit(store, viewer: Viewer, *, limit: int = 50, offset: int = 0, user: str | None = None,
          action: str | None = None) -> AuditPage:
    """One page of the audit log (administrators only)."""
    require_admin(viewer)
    if action is not None and action not in ACTIONS:
        raise InputError(f"操作 {action[:40]!r} 无效 (unknown action)", hint="可用: " + ", ".join(ACTIONS))
    frame, total = users.audit_page(store, limit=limit, offset=offset, user=user, action=action)
    rows = [{"id": int(r["id"]), "at": _when(r["at"]), "user_name": _text(r["user"]), "action": r["action"],
             "target": _text(r["target"]), "detail": _text(r["detail"])} for r in frame.to_dict("records")]
    return AuditPage(table("audit", AUDIT_COLUMNS, rows, REGISTRY), total, limit, offset)


def _when(value) -> str | None:
    return None if value is None or pd.isna(value) else str(pd.Timestamp(value).floor("s"))


def _text(value) -> str | None:
    return value if isinstance(value, str) else None
