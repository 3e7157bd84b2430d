"""The pins are kept once (pyproject.toml); every other place reads them or agrees with them."""
import re
import subprocess
import tomllib

from helpers import ROOT

from tools import course, course_env

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


def pyproject() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def pyproject_pins() -> dict[str, str]:
    project = pyproject()["project"]
    lines = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    return pins(lines)


def environment_entries() -> list[str]:
    """The pip entries of environment.yml, read without a YAML library (flat list)."""
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    pip_block = text.split("- pip:", 1)[1]
    return [ln.strip()[2:].split(" #")[0].strip() for ln in pip_block.splitlines()
            if ln.strip().startswith("- ")]


def test_environment_yml_pins_the_same_packages_and_versions():
    entries = environment_entries()
    assert pins(e for e in entries if not e.startswith(("-e", "--"))) == pyproject_pins()


def test_environment_yml_gets_torch_from_the_index_the_set_up_uses():
    assert f"--extra-index-url {course_env.CPU_INDEX}" in environment_entries()


def test_environment_has_graphviz_binary_and_python():
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    conda_part = text.split("- pip:", 1)[0]
    assert re.search(r"^\s*- graphviz\s*$", conda_part, re.M), "conda-forge graphviz (dot) missing"
    assert re.search(r"^\s*- python=3\.1[1-9]", conda_part, re.M)
    assert "conda-forge" in conda_part


def test_the_set_up_installs_exactly_the_pins():
    assert course_env.pins() == pyproject_pins()
    assert len(course_env.requirements()) == len(pyproject_pins())


def tracked_text_files():
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True)
    names = listed.stdout.splitlines() if listed.returncode == 0 else []
    keep = (".py", ".md", ".yml", ".cfg", ".txt", ".cmd", ".ipynb")
    return [ROOT / n for n in names if (n.endswith(keep) or n in ("Makefile", ".ci/run"))
            and (ROOT / n).is_file()]


def test_every_pinned_version_written_anywhere_is_the_pin():
    """README, messages, environment.yml, setup cells: `name==version` of a pinned package agrees."""
    wanted = pyproject_pins()
    files = tracked_text_files()
    assert any(p.name == "README.md" for p in files)
    wrong = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="ignore")
        for name, ver in re.findall(r"(?<![\w.-])([A-Za-z][\w.-]*)==(\d[\w.+!-]*)", text):
            if canonical(name) in wanted and ver.rstrip(".") != wanted[canonical(name)]:
                wrong.append(f"{path.relative_to(ROOT)}: {name}=={ver} (pin: {wanted[canonical(name)]})")
    assert not wrong, wrong


def test_minimum_python_is_the_one_pyproject_declares():
    declared = pyproject()["project"]["requires-python"]
    major, minor = course.MIN_PYTHON
    assert declared == f">={major}.{minor}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"Python {major}.{minor} 以上" in readme


def test_version_is_written_once():
    """lecture_utils.__version__ is the version; pyproject takes it from there."""
    import lecture_utils

    project = pyproject()["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert pyproject()["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "lecture_utils.__version__"}
    assert course_env.version() == lecture_utils.__version__
    hits = [p.relative_to(ROOT).as_posix() for p in tracked_text_files() if p.suffix == ".py"
            and re.search(r"^__version__\s*=", p.read_text(encoding="utf-8"), re.M)]
    assert hits == ["lecture_utils/__init__.py"], hits


def test_license_file_is_the_declared_license_and_ships_in_the_package():
    project = pyproject()["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "Permission is hereby granted, free of charge" in text
    import sysconfig
    from importlib import metadata

    # The installed package's metadata, not the build's egg-info beside pyproject.toml.
    site = sysconfig.get_paths()["purelib"]
    built = next(metadata.distributions(name="autodiff-lecture", path=[site]))
    assert built.metadata["License-Expression"] == "MIT"
    assert "LICENSE" in (built.metadata.get_all("License-File") or [])
    assert built.read_text("licenses/LICENSE") == text
