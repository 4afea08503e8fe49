"""Every static file a template names is collected into the production manifest.

Production serves static files by their hashed names from the manifest that collectstatic
writes; a name missing from it makes every page that uses it answer 500 ("Missing staticfiles
manifest entry"). This runs collectstatic with the manifest storage into a temporary folder
and looks up each `{% static %}` name found in the templates, including the files that
scripts/build-assets.mjs and the Makefile's plotly.js copy put into static/.
"""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

BASE_DIR = Path(settings.BASE_DIR)
STATIC_TAG = re.compile(r"""\{%\s*static\s+(["'])(?P<name>[^"']+)\1\s*%\}""")
MODULE_IMPORT = re.compile(r"""^\s*import\s[^;]*?from\s+(["'])(?P<name>[^"']+)\1""", re.M)
IMPORT_MAP = re.compile(r"""<script type="importmap"[^>]*>(?P<json>.*?)</script>""", re.S)
# Built by the Makefile's asset steps, not kept in git: the pages break without them.
BUILT_NAMES = {
    "build/app.css",
    "vendor/moj-frontend.min.css",
    "vendor/govuk-frontend.min.js",
    "vendor/plotly.min.js",
    "vendor/govuk/images/favicon.svg",
}


def template_files() -> list[Path]:
    folders = [Path(folder) for entry in settings.TEMPLATES for folder in entry["DIRS"]]
    folders += [BASE_DIR / app / "templates" for app in ("deliveryunit", *_project_apps())]
    return sorted(p for folder in folders if folder.is_dir() for p in folder.rglob("*.html"))


def _project_apps() -> list[str]:
    return [app for app in settings.INSTALLED_APPS if (BASE_DIR / app / "apps.py").exists()]


def static_names(files: list[Path]) -> dict[str, list[str]]:
    """Each name a `{% static %}` tag asks for, with the templates that ask."""
    found: dict[str, list[str]] = {}
    for path in files:
        for match in STATIC_TAG.finditer(path.read_text(encoding="utf-8")):
            where = path.relative_to(BASE_DIR) if path.is_relative_to(BASE_DIR) else path
            found.setdefault(match["name"], []).append(str(where))
    return found


def missing_from(manifest: dict[str, str], names: dict[str, list[str]]) -> dict[str, list[str]]:
    return {name: where for name, where in names.items() if name not in manifest}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict[str, str]:
    """collectstatic with the manifest storage (as production, less the compression) into a
    folder of its own; the name -> hashed name table it wrote."""
    from django.test import override_settings

    root = tmp_path_factory.mktemp("staticfiles")
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    return json.loads((root / "staticfiles.json").read_text())["paths"]


def test_every_static_name_in_the_templates_is_in_the_manifest(manifest):
    names = static_names(template_files())
    assert set(names) >= BUILT_NAMES, "the templates no longer name the built assets"
    assert missing_from(manifest, names) == {}


def test_the_check_finds_a_name_that_was_not_collected(manifest, tmp_path):
    page = tmp_path / "page.html"
    page.write_text("{% load static %}<script src=\"{% static 'vendor/not-built.js' %}\"></script>")
    assert missing_from(manifest, static_names([page])) == {"vendor/not-built.js": [str(page)]}


def test_script_modules_import_only_what_the_import_map_names(manifest):
    """Imports inside our modules are not rewritten to hashed names, so each must be a name the
    page's import map resolves through {% static %}."""
    base = (BASE_DIR / "templates" / "_base.html").read_text(encoding="utf-8")
    match = IMPORT_MAP.search(base)
    assert match, "the base template has no import map"
    import_map = json.loads(STATIC_TAG.sub(lambda m: m["name"], match["json"]))["imports"]
    modules = sorted((BASE_DIR / "static" / "js").glob("*.mjs"))
    assert modules
    imported = {
        name: module.name
        for module in modules
        for name in (m["name"] for m in MODULE_IMPORT.finditer(module.read_text()))
    }
    assert imported, "no module imports anything: the check would be empty"
    assert {name: where for name, where in imported.items() if name not in import_map} == {}
    assert all(target in manifest for target in import_map.values())
