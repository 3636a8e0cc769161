"""Ctrl-C and streaming, on a real `mirror` process against a slow local
server: the first SIGINT stops the batch at once (exit 130, one line, no
traceback) and keeps every whole article saved; each result is on stdout the
moment it is stored, so a log of a `kill -9`-ed batch names every saved one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time

import pytest

from conftest import ensure_archive, mirror_argv, open_archive, run_mirror

from sitekit import Reply, Site, article

HANG_GUARD = 10.0  # a hang guard only: the slow pages hold a fetch for a minute
WAIT = 60.0


@pytest.fixture
def slow_site():
    """Three quick articles and two pages that hang (headers never come)."""
    site = Site()
    release = threading.Event()

    def hang(handler):
        release.wait(WAIT)
        handler._send(Reply(article("Far too late").encode()))

    for i in range(3):
        site.html(f"http://*/quick/{i}", article(f"Quick story {i}"))
    site.add("http://*/hang/a", hang)
    site.add("http://*/hang/b", hang)
    feed = "".join(f"<item><title>q{i}</title><link>/quick/{i}</link></item>" for i in range(3))
    feed += "<item><title>h</title><link>/hang/a</link></item>"
    site.add("http://*/rss.xml", Reply(f'<?xml version="1.0"?><rss version="2.0"><channel><title>Slow</title>'
                                       f'{feed}</channel></rss>'.encode(), content_type="application/rss+xml"))
    port = site.start()
    site.base = f"http://127.0.0.1:{port}"
    yield site
    release.set()
    site.stop()


@pytest.fixture
def cfg(tmp_path):
    c = tmp_path / "c.toml"
    c.write_text("[fetch]\nallow_private = true\nper_host_delay = 0.0\nretries = 2\ntimeout = 60.0\nresponse_timeout = 120.0\n")
    return c


def urls(site) -> list[str]:
    """The slow pages on another host name: one request at a time per host, so
    a hung fetch would otherwise hold back the quick ones."""
    slow = site.base.replace("127.0.0.1", "localhost")
    return [f"{site.base}/quick/{i}" for i in range(3)] + [f"{slow}/hang/a", f"{slow}/hang/b"]


def wait_for(cond, what: str, limit: float = 30.0) -> None:
    end = time.monotonic() + limit
    while not cond():
        if time.monotonic() > end:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def start(args, cfg, archive, log):
    ensure_archive(archive)
    return subprocess.Popen(mirror_argv(*args, config=cfg, archive=archive), stdout=log,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "MIRROR_CONFIG": os.devnull})


def lines(path) -> list[str]:
    return [x for x in path.read_text().splitlines() if x.strip()]


def hung(site, n: int):
    return lambda: sum("/hang/" in u for u in site.urls()) >= n


def stored(archive) -> dict[str, str]:
    with open_archive(archive) as ar:
        assert ar.integrity() == []
        return {s.url: s.title for s in ar.list()}


def test_ctrl_c_stops_add_at_once_and_keeps_the_whole_articles(slow_site, cfg, tmp_path):
    log, archive = tmp_path / "out.log", tmp_path / "ar"
    with open(log, "w") as out:
        p = start(["add", "--jobs", "2", *urls(slow_site)], cfg, archive, out)
        wait_for(hung(slow_site, 1), "a slow fetch to start")  # (one at a time per host)
        wait_for(lambda: len(lines(log)) == 3, "the three quick results")
        p.send_signal(signal.SIGINT)
        try:
            p.wait(HANG_GUARD)
        except subprocess.TimeoutExpired:
            p.kill()
            pytest.fail("add did not stop on Ctrl-C")
    err = p.stderr.read()
    assert p.returncode == 130, err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert err.startswith("mirror: interrupted: 3 saved") and "2 not done" in err
    assert stored(archive) == {f"{slow_site.base}/quick/{i}": f"Quick story {i}" for i in range(3)}


def test_ctrl_c_stops_update_at_once(slow_site, cfg, tmp_path):
    archive = tmp_path / "ar"
    assert run_mirror("follow", f"{slow_site.base}/rss.xml", config=cfg, archive=archive).returncode == 0
    log = tmp_path / "out.log"
    with open(log, "w") as out:
        p = start(["update", "--json", "--jobs", "1"], cfg, archive, out)
    wait_for(hung(slow_site, 1), "the slow entry's fetch")
    wait_for(lambda: len(lines(log)) == 3, "the three quick results")
    p.send_signal(signal.SIGINT)
    try:
        _, err = p.communicate(timeout=HANG_GUARD)
    except subprocess.TimeoutExpired:
        p.kill()
        pytest.fail("update did not stop on Ctrl-C")
    out = log.read_text()
    assert p.returncode == 130 and "Traceback" not in err and err.count("\n") == 1, err
    assert sorted(json.loads(x)["url"] for x in out.splitlines()) == [f"{slow_site.base}/quick/{i}"
                                                                      for i in range(3)]
    assert len(stored(archive)) == 3


@pytest.mark.parametrize("as_json", [False, True])
def test_each_result_is_written_as_it_is_stored_and_survives_kill_9(slow_site, cfg, tmp_path, as_json):
    log, archive = tmp_path / "out.log", tmp_path / "ar"
    with open(log, "w") as out:
        p = start(["add", "--jobs", "1", *(["--json"] if as_json else []), *urls(slow_site)], cfg, archive, out)
        wait_for(hung(slow_site, 1), "the slow fetch")
        # The batch is stuck on its fourth URL: the three before it are already in the log.
        wait_for(lambda: len(lines(log)) == 3, "three results in the log while the batch still runs")
        p.kill()
        p.wait()
    saved = stored(archive)
    assert len(saved) == 3
    if as_json:
        got = [json.loads(x) for x in lines(log)]
        assert {o["url"] for o in got} == set(saved) and all(o["ok"] and o["id"] for o in got)
    else:
        for title in saved.values():
            assert sum(title in x for x in lines(log)) == 1


@pytest.fixture
def packed(tmp_path):
    """An archive of 40 articles, an age key and a bundle of them."""
    from bundleutil import make_archive
    from mirror.crypto import age

    make_archive(tmp_path / "ar", 40)
    identity, recipient = age.generate_identity()
    (tmp_path / "k.key").write_text(identity + "\n")
    bundle = tmp_path / "b.age"
    assert run_mirror("pack", "-o", bundle, "--all", "-r", recipient, archive=tmp_path / "ar").returncode == 0
    return tmp_path, recipient, bundle


def interrupted(p) -> str:
    p.send_signal(signal.SIGINT)
    try:
        _, err = p.communicate(timeout=HANG_GUARD)
    except subprocess.TimeoutExpired:
        p.kill()
        pytest.fail("did not stop on Ctrl-C")
    assert p.returncode == 130, err
    assert err == "mirror: interrupted\n", err  # one line, no traceback, not "aborted"
    return err


def test_ctrl_c_during_pack_to_a_pipe(packed):
    tmp, recipient, _ = packed
    r, w = os.pipe()  # nobody reads: pack blocks once the pipe is full, mid-bundle
    p = subprocess.Popen(mirror_argv("pack", "-o", "-", "--all", "-r", recipient, archive=tmp / "ar"),
                         stdout=w, stderr=subprocess.PIPE, text=True)
    os.close(w)
    try:
        wait_for(lambda: len(os.read(r, 1)) == 1, "the bundle's first byte")
        time.sleep(0.3)
        interrupted(p)
    finally:
        os.close(r)


def test_ctrl_c_during_unpack_imports_nothing(packed):
    tmp, _, bundle = packed
    into = tmp / "B"
    from bundleutil import make_archive
    make_archive(into, 1)
    before = stored(into)
    fifo = tmp / "incoming.age"
    os.mkfifo(fifo)
    p = subprocess.Popen(mirror_argv("unpack", fifo, "-i", tmp / "k.key", archive=into),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    data = bundle.read_bytes()
    with open(fifo, "wb") as w:  # half the bundle arrives, then the copy stalls
        w.write(data[: len(data) // 2])
        w.flush()
        time.sleep(0.5)
        interrupted(p)
    assert stored(into) == before


def test_ctrl_c_during_pack_to_a_file_leaves_nothing(packed):
    tmp, recipient, _ = packed
    out_dir = tmp / "stick"
    out_dir.mkdir()
    fifo = tmp / "pw"
    os.mkfifo(fifo)  # pack waits for its passphrase file: interrupted before it writes anything
    p = subprocess.Popen(mirror_argv("pack", "-o", out_dir / "b.age", "--all", "--passphrase-file", fifo,
                                     archive=tmp / "ar"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True)
    w = os.open(fifo, os.O_WRONLY)  # returns once pack has opened it
    try:
        time.sleep(0.3)
        interrupted(p)
    finally:
        os.close(w)
    assert os.listdir(out_dir) == []


def test_quiet_prints_only_failures_and_no_progress_off_a_terminal(slow_site, cfg, tmp_path):
    good, missing = f"{slow_site.base}/quick/0", f"{slow_site.base}/nowhere"
    r = run_mirror("add", good, missing, config=cfg, archive=tmp_path / "ar")
    assert r.returncode == 3 and "Quick story 0" in r.stdout
    assert "\r" not in r.stderr and "[" not in r.stderr  # no progress bar: stderr is not a terminal
    r = run_mirror("add", "--quiet", good, missing, config=cfg, archive=tmp_path / "ar")
    assert r.returncode == 3 and r.stdout == ""
    assert r.stderr.splitlines() == [f"mirror: {missing}: HTTP 404", "mirror: error: 1 of 2 failed"]
