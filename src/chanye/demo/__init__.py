"""The synthetic demo registry (示例数据): `synthetic` generates firms and figures for a pack's city (flagged
synthetic everywhere), `seed` imports them, classifies them and links them to chains. It sits above
`registry/` and `classify/` because it uses both."""
