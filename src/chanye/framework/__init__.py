"""Framework packs: a city's industrial system as validated YAML (the default: the shipped pack marked `default: true`)."""

from chanye.framework.load import DEFAULT_PACK, available_packs, load_pack
from chanye.framework.model import Framework, Node

__all__ = ["DEFAULT_PACK", "Framework", "Node", "available_packs", "load_pack"]
