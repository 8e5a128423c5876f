"""Framework packs: a city's industrial system as validated YAML (Guangzhou's 12218 by default)."""

from chanye.framework.load import DEFAULT_PACK, available_packs, load_pack
from chanye.framework.model import Framework, Node

__all__ = ["DEFAULT_PACK", "Framework", "Node", "available_packs", "load_pack"]
