"""Bad input for the site build: a broken internal link and a missing image fail it, named.

The build runs in the background with the course site's (tests/site_build.py).
"""
import site_build


def test_broken_link_and_missing_image_fail_the_build_naming_page_and_target():
    result = site_build.wait(site_build.start(), "broken")
    assert result["status"] != 0, result["log"][-3000:]
    lines = [ln for ln in result["warnings"].splitlines() if "notebooks/bad" in ln]
    assert any("99_missing" in ln for ln in lines), result["warnings"] or result["log"][-3000:]
    assert any("figures/missing.png" in ln for ln in lines), result["warnings"] or result["log"][-3000:]
