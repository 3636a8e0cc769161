"""The shipped tracking lists: every parameter they name is removed."""

from urllib.parse import parse_qsl, urlsplit

from mirror import tracking
from mirror.urls import canonical_url, clean_link, detrack


def _kept(url: str) -> set[str]:
    return {k.lower() for k, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)}


def test_every_global_parameter_of_the_shipped_lists_is_removed():
    names = sorted(tracking.lists().global_params())
    assert len(names) > 250  # Brave's global rule plus ours
    for name in names:
        url = f"https://news.example.org/a/story?id=7&{name}=x"
        assert _kept(detrack(url)) == {"id"}, name
        assert _kept(clean_link(f"/a/story?id=7&{name}=x", "https://news.example.org/") or "") == {"id"}


def test_site_rules_apply_on_their_sites_only():
    assert detrack("https://www.youtube.com/watch?v=abc&si=XYZ") == "https://www.youtube.com/watch?v=abc"
    assert detrack("https://open.spotify.com/track/1?si=XYZ") == "https://open.spotify.com/track/1"
    assert detrack("https://example.org/search?si=1") == "https://example.org/search?si=1"


def test_named_gaps_fragments_and_wrappers():
    for name in ("__s", "ml_subscriber", "oft_id", "ss_email_id", "bsft_uid", "epik",
                 "piwik_campaign", "hsa_cam", "_branch_match_id", "ito"):
        assert _kept(detrack(f"https://e.org/p?q=1&{name}=v")) == {"q"}, name
    assert detrack("https://e.org/p#utm_source=x&utm_medium=y") in ("https://e.org/p", "https://e.org/p#")
    assert detrack("https://e.org/p#section-2") == "https://e.org/p#section-2"
    assert detrack("https://l.facebook.com/l.php?u=https%3A%2F%2Fe.org%2Fa%3Futm_source%3Dfb&h=AT0") == "https://e.org/a"
    assert detrack("https://www.google.com/url?q=https://e.org/b&sa=D") == "https://e.org/b"
    assert detrack("https://vk.com/away.php?to=https%3A%2F%2Fe.org%2Fc") == "https://e.org/c"
    assert canonical_url("https://user:pw@e.org/d?fbclid=1") == "https://e.org/d"


def test_clean_url_command():
    from conftest import run_mirror

    r = run_mirror("clean-url", "https://e.org/a?id=1&utm_source=x&gclid=2")
    assert r.returncode == 0 and r.stdout.strip() == "https://e.org/a?id=1"
    assert run_mirror("clean-url", "javascript:alert(1)").returncode == 1
