"""`mirror reextract`: stored raw pages extracted again, offline, so an
extraction fix reaches old captures."""

import hashlib
import json

from conftest import open_archive, run_mirror
from mirror.model import Asset, NewVersion
from sitekit import article, png

IMG_URL = "https://img.paper.example/bridge.png"


def old_capture(tmp_path):
    """A capture as an older, worse extractor stored it: a fragment of the text,
    but the whole raw page and its image (with the URL it came from)."""
    img = png(40, 30)
    sha = hashlib.sha256(img).hexdigest()
    page = article("The old stone bridge", paras=4,
                   extra=f'<figure><img src="{IMG_URL}" width="400" height="300"></figure>')
    a = tmp_path / "arc"
    with open_archive(a) as ar:
        res = ar.save(NewVersion(
            url="https://paper.example/bridge", title="The old stone bridge", byline=None, published=None,
            modified=None, lang="en", site_name=None, text="Paragraph 1.", html="<p>Paragraph 1.</p>",
            captured="2026-03-01T10:00:00Z", raw=page.encode(),
            assets=[(Asset(f"{sha[:16]}.png", sha, "image/png", len(img), IMG_URL), img)]))
        bare = ar.save(NewVersion(url="https://paper.example/from-a-bundle", title="No raw page", byline=None,
                                  published=None, modified=None, lang="en", site_name=None, text="Text.",
                                  html="<p>Text.</p>", captured="2026-03-02T10:00:00Z"))
    return a, res.id, bare.id, sha


def test_reextract_stores_the_better_reading_as_a_new_version_offline(tmp_path):
    a, aid, bare, sha = old_capture(tmp_path)
    r = run_mirror("reextract", "--all", "--json", archive=a)
    assert r.returncode == 0, r.stderr
    got = {x["id"]: x for x in json.loads(r.stdout)}
    assert got[aid]["status"] == "new version" and got[aid]["version"] == 2
    assert got[bare]["status"] == "no raw page"
    with open_archive(a) as ar:
        cur = ar.get(aid)
        assert cur.version == 2 and cur.captured == "2026-03-01T10:00:00Z"  # the same capture, read again
        assert "old stone bridge that has stood since 1894" in cur.text and "Paragraph 4." in cur.text
        assert [x.sha256 for x in cur.assets] == [sha]  # the stored image, not fetched (no network here)
        assert ar.get(aid, 1).text == "Paragraph 1."  # the old reading is kept as version 1
    again = json.loads(run_mirror("reextract", aid, "--json", archive=a).stdout)
    assert again == [{"id": aid, "status": "unchanged", "version": 2, "error": None}]


def test_reextract_needs_ids_or_all(tmp_path):
    a, aid, _, _ = old_capture(tmp_path)
    for args in ((), (aid, "--all")):
        r = run_mirror("reextract", *args, archive=a)
        assert r.returncode == 1 and "ids or --all" in r.stderr
