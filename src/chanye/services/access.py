"""Who is asking: the roles of a bureau's users and what each may see (issue 17).

The service layer takes a `Viewer` and enforces it, so pages, JSON, XLSX, search and firm profiles obey the
same rule. Roles (角色):

- `admin` 管理员: everything, plus users, imports and packs;
- `city_analyst` 市级分析: every firm and aggregate, imports;
- `district_analyst` 区级分析: firm-level data of their own district only, aggregates of all;
- `visitor` 访客: published aggregates only, under statistical disclosure control.

`LOCAL` is the single analyst of a server started with `--no-auth` on 127.0.0.1, and of the CLI and notebooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chanye.errors import AccessDenied


class Role(StrEnum):
    admin = "admin"
    city_analyst = "city_analyst"
    district_analyst = "district_analyst"
    visitor = "visitor"


@dataclass(frozen=True)
class Viewer:
    """A signed-in user (`user` None for the local analyst). `district`: the adcode a district analyst serves."""

    user: str | None
    role: Role
    district: str | None = None

    @property
    def sees_firms(self) -> bool:
        """May see firm-level data at all (some district's, at least)."""
        return self.role is not Role.visitor

    def sees_firms_of(self, district: str | None) -> bool:
        """May see firm-level data of a firm registered in `district` (an adcode; None when unknown)."""
        if self.role in (Role.admin, Role.city_analyst):
            return True
        return self.role is Role.district_analyst and district is not None and district == self.district

    @property
    def firm_district(self) -> str | None:
        """The one district whose firms this viewer may see, or None when not limited to one district."""
        return self.district if self.role is Role.district_analyst else None

    @property
    def needs_disclosure_control(self) -> bool:
        """Aggregates shown to this viewer pass statistical disclosure control (visitors, and district analysts
        for cells that hold other districts' firms)."""
        return self.role in (Role.visitor, Role.district_analyst)

    @property
    def may_import(self) -> bool:
        return self.role in (Role.admin, Role.city_analyst)

    @property
    def may_administer(self) -> bool:
        return self.role is Role.admin


LOCAL = Viewer(user=None, role=Role.admin)


# --- enforcing the roles (the service layer calls these; the web maps AccessDenied to 403) ------------------------


def require_firms(viewer: Viewer) -> None:
    """Refuse a visitor any firm-level data."""
    if not viewer.sees_firms:
        raise AccessDenied("访客只能查看汇总数据，不能查看企业名单或企业画像 (visitors see aggregates only, no firm-level data)",
                           hint="需要企业数据请联系管理员开通分析账号 (ask an administrator for an analyst account)")


def require_firm(viewer: Viewer, district: str | None) -> None:
    """Refuse one firm registered in `district` (an adcode) to a viewer who may not see that district's firms."""
    require_firms(viewer)
    if not viewer.sees_firms_of(district):
        raise AccessDenied(f"该企业不在您负责的区（{viewer.district}），无权查看 (this firm lies outside your district)",
                           hint="区级分析账号只能查看本区企业；汇总数据不受限 (district analysts see their own district's "
                                "firms; aggregates stay visible)")


def require_import(viewer: Viewer) -> None:
    if not viewer.may_import:
        raise AccessDenied("只有管理员和市级分析可以导入数据或查看隔离区 (only administrators and city analysts may import "
                           "data or see quarantined rows)", hint="请联系管理员 (ask an administrator)")


def require_admin(viewer: Viewer) -> None:
    if not viewer.may_administer:
        raise AccessDenied("只有管理员可以管理用户和查看审计日志 (administrators only: users and the audit log)",
                           hint="请联系管理员 (ask an administrator)")


def viewer_of(account) -> Viewer:
    """The Viewer of a signed-in account (`registry.users.Account`)."""
    return Viewer(user=account.name, role=Role(account.role), district=account.district)

