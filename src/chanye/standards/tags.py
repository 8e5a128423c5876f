"""企业标签 Enterprise tags that Chinese industrial statistics and policy use: id -> (zh, en).

A standard, not a registry detail: the registry imports them from files and the indicators count firms by them.
"""

from __future__ import annotations

TAGS: dict[str, tuple[str, str]] = {
    "above_scale": ("规上", "Above designated size"),
    "high_tech": ("高新技术企业", "High-tech enterprise"),
    "srdi": ("专精特新", "Specialised & innovative SME"),
    "little_giant": ("专精特新“小巨人”", "'Little giant'"),
    "listed": ("上市", "Listed"),
}
