"""The CLI contract: command names, --archive placement, exit codes, no tracebacks."""

import json

import pytest

from conftest import run_mirror, open_archive

from mirror.model import NewVersion

CONTRACT = ["add", "import-html", "extract", "ls", "search", "show", "rm", "gc", "follow", "update",
            "export-site", "keygen", "pack", "inspect", "unpack", "demo"]


def seed(root):
    with open_archive(root) as ar:
        return ar.save(NewVersion(
            url="https://news.example/strike", title="Dock strike", byline="Ivan Petrov",
            published="2026-11-01T09:00:00+00:00", modified=None, lang="en", site_name="Example",
            text="Dockworkers walked out.\n\nThe port is closed.", html="<p>Dockworkers walked out.</p>",
            captured="2026-11-02T00:00:00+00:00"))


def test_help_lists_every_contract_command():
    r = run_mirror("--help")
    assert r.returncode == 0
    for name in CONTRACT:
        assert f"  {name} " in r.stdout, name


@pytest.mark.parametrize("name", CONTRACT)
def test_every_command_has_help(name):
    r = run_mirror(name, "--help")
    assert r.returncode == 0 and "Usage: mirror " + name in r.stdout


def test_version():
    r = run_mirror("--version")
    assert r.returncode == 0 and "mirror, version" in r.stdout


def test_a_missing_archive_is_not_made_up_and_says_how_to_create_one(tmp_path):
    """Off a terminal nothing creates an archive but `init`: a mistyped
    --archive must not become a new, empty (and plaintext) archive."""
    r = run_mirror("ls", "--json", "--archive", str(tmp_path / "fresh"))
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "mirror init" in r.stderr
    assert not (tmp_path / "fresh").exists()


def test_archive_option_before_and_after_subcommand(tmp_path):
    res = seed(tmp_path / "a")
    for args in (["--archive", str(tmp_path / "a"), "ls", "--json"], ["ls", "--json", "--archive", str(tmp_path / "a")]):
        r = run_mirror(*args)
        assert r.returncode == 0
        items = json.loads(r.stdout)
        assert [i["id"] for i in items] == [res.id]
        assert {"id", "url", "title", "published"} <= items[0].keys()


def test_mirror_home_env(tmp_path, monkeypatch):
    seed(tmp_path / "home")
    monkeypatch.setenv("MIRROR_HOME", str(tmp_path / "home"))
    assert len(json.loads(run_mirror("ls", "--json").stdout)) == 1


def test_show_search_rm_gc(tmp_path):
    res = seed(tmp_path)
    a = ["--archive", str(tmp_path)]
    shown = json.loads(run_mirror("show", res.id[:8], "--format", "json", *a).stdout)
    assert shown["title"] == "Dock strike" and shown["byline"] == "Ivan Petrov"
    assert shown["url"] == "https://news.example/strike" and shown["text"].startswith("Dockworkers")
    text = run_mirror("show", res.id, *a).stdout
    assert "Dock strike" in text and "The port is closed." in text
    assert [i["id"] for i in json.loads(run_mirror("search", "port", "--json", *a).stdout)] == [res.id]
    assert json.loads(run_mirror("search", "nothinglikethis", "--json", *a).stdout) == []
    assert run_mirror("rm", res.id, *a).returncode == 0
    assert json.loads(run_mirror("ls", "--json", *a).stdout) == []
    gc = json.loads(run_mirror("gc", "--json", *a).stdout)
    assert gc["removed"] >= 1


@pytest.mark.parametrize("args, code, words", [
    (["show", "deadbeef"], 1, "no article"),
    (["show", "not-an-id"], 1, "not an article id"),
    (["rm", "deadbeef"], 1, "no article"),
    (["ls", "--bogus"], 1, "No such option"),
    (["nosuchcommand"], 1, "No such command"),
])
def test_errors_are_one_line_without_traceback(tmp_path, args, code, words):
    r = run_mirror(*args, archive=tmp_path) if args[0] != "nosuchcommand" else run_mirror(*args)
    assert r.returncode == code
    assert words in r.stderr and "Traceback" not in r.stderr


def test_foreign_directory_refused_and_untouched(tmp_path):
    (tmp_path / "notes.txt").write_text("private")
    r = run_mirror("ls", "--archive", str(tmp_path))
    assert r.returncode == 1 and "not a mirror archive" in r.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_debug_shows_traceback(tmp_path):
    r = run_mirror("--debug", "show", "deadbeef", "--archive", str(tmp_path))
    assert r.returncode != 0 and "Traceback" in r.stderr
