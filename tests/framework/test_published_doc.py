"""A pack's published.yaml read once per version of the file (framework/published.py): a copy for each caller,
re-read when the file changes, an inheriting pack's from the pack it names, nothing for a pack without one."""

from __future__ import annotations

from types import SimpleNamespace

from chanye.framework.published import published_doc


def test_read_once_per_version_copied_and_inherited(tmp_path):
    city = tmp_path / "city"
    city.mkdir()
    (city / "published.yaml").write_text("checks:\n  - id: a\n", encoding="utf-8")
    pack = SimpleNamespace(path=str(city))
    first = published_doc(pack)
    assert first == {"checks": [{"id": "a"}]}
    first["checks"].append({"id": "changed by a caller"})
    assert published_doc(pack) == {"checks": [{"id": "a"}]}  # the cached parse is not the caller's to change
    (city / "published.yaml").write_text("checks:\n  - id: a\n  - id: b\n", encoding="utf-8")
    assert published_doc(pack) == {"checks": [{"id": "a"}, {"id": "b"}]}  # a new version of the file: read again
    other = tmp_path / "district"
    other.mkdir()
    (other / "published.yaml").write_text("inherit: city\n", encoding="utf-8")
    assert published_doc(SimpleNamespace(path=str(other))) == {"checks": [{"id": "a"}, {"id": "b"}]}
    assert published_doc(SimpleNamespace(path=str(tmp_path))) == {}  # no file
    assert published_doc(SimpleNamespace(path=None)) == {}  # a pack built in memory
