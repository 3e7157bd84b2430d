"""environment.yml (conda, Binder) and pyproject.toml must pin the same packages."""
import re
import tomllib

from helpers import ROOT

REQ = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lines) -> dict[str, str]:
    found = {}
    for line in lines:
        m = REQ.match(line)
        assert m, f"not pinned with ==: {line!r}"
        found[canonical(m.group(1))] = m.group(2)
    return found


def pyproject_pins() -> dict[str, str]:
    with open(ROOT / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    return pins(lines)


def environment_pins() -> dict[str, str]:
    """The pip entries of environment.yml, read without a YAML library (flat list)."""
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    pip_block = text.split("- pip:", 1)[1]
    entries = [ln.strip()[2:].strip() for ln in pip_block.splitlines()
               if ln.strip().startswith("- ")]
    return pins(e for e in entries if not e.startswith(("-e", "--")))


def test_same_packages_and_versions():
    assert environment_pins() == pyproject_pins()


def test_environment_has_graphviz_binary_and_python():
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    conda_part = text.split("- pip:", 1)[0]
    assert re.search(r"^\s*- graphviz\s*$", conda_part, re.M), "conda-forge graphviz (dot) missing"
    assert re.search(r"^\s*- python=3\.1[1-9]", conda_part, re.M)
    assert "conda-forge" in conda_part


def test_torch_is_pinned_to_the_cpu_friendly_release():
    assert pyproject_pins()["torch"] == "2.13.0"
