"""`mirror demo`: the whole pipeline on the built-in sample sites, offline.

Archiving goes through the real pipeline (`capture`); keys, packing,
inspecting, unpacking and exporting go through the real CLI commands, run
in-process exactly as a user would type them, by the Runner the CLI hands in (`invoke`). A failed step or a
failed privacy check (`checks`) ends the demo with one line and exit 1.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from mirror.demo.capture import DemoFailed, archive_samples, demo_config, local_only_fetcher
from mirror.demo.checks import check_archive, check_site
from mirror.demo.invoke import Runner, shown
from mirror.demo.samples import FEED, SAMPLES
from mirror.demo.server import HOSTILE_KINDS, DemoServer, Request
from mirror.errors import MirrorError, UsageError, VerificationError

if TYPE_CHECKING:
    from mirror.config import Config

JSON = Any  # what a command's --json printed

Echo = Callable[[str], None]


@dataclass
class Paths:
    out: Path
    archive: Path
    copy: Path  # the archive a recipient gets by unpacking the bundle
    bundle: Path
    html_bundle: Path
    key_bundle: Path  # the same articles for an age recipient
    passphrase: Path
    signing_key: Path
    signing_pub: Path
    identity: Path
    archive_key: Path  # the archivist's age identity: the archive's key slot is sealed to it
    site: Path
    server_log: Path  # every request the sample sites saw, as JSON
    config: Path  # for the feed commands: no politeness delay towards our own server

    @classmethod
    def under(cls, out: Path, archive: Path | None) -> "Paths":
        return cls(out=out, archive=archive or out / "archive", copy=out / "archive-received",
                   bundle=out / "samples.age", html_bundle=out / "samples.html",
                   key_bundle=out / "samples-for-recipient.age", passphrase=out / "passphrase.txt",
                   signing_key=out / "sender-signing.key", signing_pub=out / "sender-signing.pub",
                   identity=out / "recipient-identity.txt", archive_key=out / "archive-key.txt",
                   site=out / "reader-site",
                   server_log=out / "server-log.json", config=out / "demo-config.toml")


@dataclass
class Result:
    paths: Paths
    ids: dict[str, str] = field(default_factory=dict)  # sample path -> article id
    requests: list[Request] = field(default_factory=list)  # the server's log
    blocked: list[str] = field(default_factory=list)  # URLs on other hosts the archiver asked for
    seconds: float = 0.0


# -- the run ---------------------------------------------------------------------------


def passphrase() -> str:
    """120 random bits, as six groups of four base32 letters (easy to read out)."""
    raw = base64.b32encode(secrets.token_bytes(15)).decode().lower()
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def write_private(path: Path, text: str) -> None:
    from mirror.fsutil import create_new

    create_new(path, text.encode("utf-8"), "a demo secret")


def maker_marks(paths: Paths) -> list[str]:
    """Strings that would identify who packed a bundle, long enough (5+ bytes)
    not to turn up by chance in 50 KB of ciphertext."""
    import getpass
    import socket

    marks = [str(paths.archive), str(paths.out)]
    with contextlib.suppress(Exception):
        marks += [getpass.getuser(), socket.gethostname()]
    return [m for m in marks if len(m) >= 5]


def fresh_out(out: str | None) -> Path:
    if out is None:
        return Path(tempfile.mkdtemp(prefix="mirror-demo-"))
    path = Path(out).expanduser().resolve()
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise UsageError(f"{path} exists and is not an empty directory; give a new one")
    path.mkdir(parents=True, exist_ok=True)
    return path


class Demo:
    """One run: numbered steps echoed as they happen, results collected in
    `result`; any failure raises DemoFailed (one line, exit 1)."""

    def __init__(self, cfg: Config, echo: Echo, runner: Runner, out: str | None = None, archive: str | None = None):
        self.echo = echo
        self.runner = runner
        self.cfg = demo_config(cfg)
        base = fresh_out(out)
        self.result = Result(Paths.under(base, Path(archive).expanduser().resolve() if archive else None))
        self.step_no = 0
        self.recipient = ""

    @property
    def paths(self) -> Paths:
        return self.result.paths

    def step(self, title: str) -> None:
        self.step_no += 1
        self.echo(f"\n[{self.step_no}] {title}")

    def say(self, line: str) -> None:
        self.echo("    " + line)

    def run(self) -> Result:
        start = time.monotonic()
        self.echo("mirror demo: the whole pipeline on built-in sample news sites. "
                  "Nothing here touches the internet.")
        self.echo(f"output directory: {self.paths.out} (kept; delete it when you are done)")
        self.init_archive()
        try:
            with DemoServer() as server:
                self.serve(server)
                self.archive(server)
                self.follow_feed(server)
                self.new_edition(server)
                self.server_report(server)
            self.check_stored()
            self.check_sealed()
            self.cli_steps()
        finally:
            from mirror.store import agent

            agent.stop(self.paths.archive)  # never leave a session behind, even when a step failed
        self.result.seconds = time.monotonic() - start
        self.where()
        return self.result

    # -- steps -----------------------------------------------------------------------

    def init_archive(self) -> None:
        """An encrypted archive, sealed to an age identity of the archivist's,
        unlocked for the demo by a session (the key in an agent's memory)."""
        p = self.paths
        arch = ["--archive", str(p.archive)]
        self.step("the archivist makes a key, and an encrypted archive that only this key opens")
        out, _ = self.invoke("keygen", ["keygen", "-o", str(p.archive_key)])
        recipient = out.strip().splitlines()[-1] if out.strip() else ""
        self.invoke("init", arch + ["init", "-r", recipient])
        self.step("unlock it for the demo: the key stays in a private agent's memory, never on disk")
        self.invoke("unlock", arch + ["--unlock", str(p.archive_key), "unlock", "--for", "15m"])

    def check_sealed(self) -> None:
        """What a seized laptop shows: every byte under the archive, searched
        for the titles, hosts and URLs it holds."""
        self.step("look at the archive as someone who seized the laptop would: every byte of every file")
        marks = [s.title for s in SAMPLES] + [s.host for s in SAMPLES] + [s.url for s in SAMPLES]
        files = [f for f in self.paths.archive.rglob("*") if f.is_file()]
        for f in files:
            data = f.read_bytes()
            found = [m for m in marks if m.encode("utf-8") in data] + (["SQLite format 3"] if b"SQLite format 3" in data else [])
            if found:
                raise DemoFailed(f"{f} shows {found[0]!r} in the clear")
        self.say(f"{len(files)} files, {sum(f.stat().st_size for f in files)} bytes: no title, host, URL or "
                 "database header anywhere; without the key it is noise")

    def serve(self, server: DemoServer) -> None:
        self.step(f"sample news sites, served by a local server on {server.origin} "
                  "(the archiver's only proxy; loopback only)")
        for s in SAMPLES:
            self.say(f"{s.lang}  {s.url}")
            self.say(f"    {s.note}")
        self.say("each page carries a cookie banner, ads, analytics scripts (inline and external), tracking "
                 "pixels, remote fonts and stylesheets, share buttons, comments and a newsletter box")

    def archive(self, server: DemoServer) -> None:
        samples = [s for s in SAMPLES if s is not FEED.delivers]
        self.step(f"archive {len(samples)} articles with the real pipeline  ->  {self.paths.archive}")
        self.say(shown(["--archive", str(self.paths.archive), "add", "URL..."]) + "   (per-host delay 0)")
        t = time.monotonic()
        with local_only_fetcher(self.cfg, server.proxy, self.result.blocked) as fetcher:
            outcomes = archive_samples([s.url for s in samples], self.cfg, self.paths.archive, fetcher)
        for s, o in zip(samples, outcomes):
            if o.id is None:  # (every outcome is ok here, and an ok one has an id)
                raise DemoFailed(f"archiving {s.url} gave no article id")
            self.result.ids[s.path] = o.id
            self.say(f"{o.id}  {s.lang}  {o.title}  ({o.images} images)")
        self.say(f"took {time.monotonic() - t:.2f} s")

    def follow_feed(self, server: DemoServer) -> None:
        """`follow` + `update` through the CLI, with the demo server as --proxy:
        any request for another host would land there, logged, never sent on."""
        from mirror.model import article_id

        sample = FEED.delivers
        self.step(f"follow {FEED.url} (Atom) and let `update` archive what is new in it")
        self.paths.config.write_text("# written by `mirror demo`: its own local server needs no politeness delay\n"
                                     "[fetch]\nper_host_delay = 0.0\nretries = 0\ntimeout = 10.0\n", "utf-8")
        base = ["--archive", str(self.paths.archive), "--config", str(self.paths.config)]
        proxy = ["--proxy", server.proxy]
        t = time.monotonic()
        out, _ = self.invoke("follow", base + ["follow", FEED.url, *proxy])
        for line in out.splitlines():
            self.say("  " + line)
        out, _ = self.invoke("update", base + ["update", *proxy, "--json"])
        records = [_json(x, "update") for x in out.splitlines() if x.strip()]  # JSON Lines
        got = [a for a in records if isinstance(a, dict) and "url" in a]
        if len(got) != 1 or not got[0].get("ok") or got[0].get("id") != article_id(sample.url):
            raise DemoFailed(f"update should have archived {sample.url} (once, tracking parameters "
                             f"removed), got {[(a.get('url'), a.get('error')) for a in got]}")
        self.result.ids[sample.path] = got[0]["id"]
        self.say(f"{got[0]['id']}  {sample.lang}  {got[0]['title']}  ({got[0]['images']} images)")
        self.say(f"took {time.monotonic() - t:.2f} s")

    def new_edition(self, server: DemoServer) -> None:
        edited = SAMPLES[0]
        self.step("the Courier edits its story (an update and a correction); archive everything again")
        server.edition = 2
        with local_only_fetcher(self.cfg, server.proxy, self.result.blocked) as fetcher:
            outcomes = archive_samples([s.url for s in SAMPLES], self.cfg, self.paths.archive, fetcher)
        for s, o in zip(SAMPLES, outcomes):
            if o.id != self.result.ids[s.path]:
                raise DemoFailed(f"{s.url} got id {o.id} the second time, {self.result.ids[s.path]} the first")
            if s is edited:
                if o.version is None or o.version < 2:
                    raise DemoFailed(f"the edited story did not become a new version (got version {o.version})")
                how = "stored as" if o.created else "already in this archive as"
                self.say(f"{o.id}  changed  ->  {how} version {o.version}; version 1 is kept")
            elif o.created:
                raise DemoFailed(f"{s.path} did not change but was stored again as version {o.version}")
        self.say(f"the other {len(SAMPLES) - 1} pages are unchanged: no new version, nothing duplicated")
        self.say(shown(["--archive", str(self.paths.archive), "show", self.result.ids[edited.path],
                        "--version", "1"]) + "   (the first edition)")

    def server_report(self, server: DemoServer) -> None:
        reqs = server.requests()
        self.result.requests = reqs
        log = {"requests": [asdict(r) for r in reqs], "refused_other_hosts": self.result.blocked}
        self.paths.server_log.write_text(json.dumps(log, ensure_ascii=False, indent=1) + "\n", "utf-8")
        kinds = ("page", "feed", "redirect", "image", *HOSTILE_KINDS, "other")
        counts = {k: sum(1 for r in reqs if r.kind == k) for k in kinds}
        hostile = [r for r in reqs if r.kind in HOSTILE_KINDS]
        cookies = [r for r in reqs if r.cookie]
        self.step("what the news sites saw")
        self.say(f"requests the server saw: {counts['page']} pages, {counts['feed']} feeds, "
                 f"{counts['redirect']} feed redirect, {counts['image']} images; "
                 f"scripts, stylesheets, fonts, trackers, ads, third-party hosts: {len(hostile)}; "
                 f"other: {counts['other']}")
        agents = sorted({r.user_agent for r in reqs})
        self.say(f"cookies the sites set and got back: {len(cookies)}; user agent: {', '.join(agents)}")
        self.say(f"requests for any other host: {len(self.result.blocked)} (the guard refuses them before they "
                 "are sent; the proxy would log them)")
        self.say(f"the full request log: {self.paths.server_log}")
        for url in self.result.blocked:
            self.say(f"    asked for {url}")
        if hostile:
            raise DemoFailed(f"the archiver fetched {len(hostile)} tracker/script/font/stylesheet/ad URL(s), "
                             f"first http://{hostile[0].host}{hostile[0].path}")
        if cookies:
            raise DemoFailed(f"the archiver sent a site's cookie back: {cookies[0].cookie}")
        if self.result.blocked:
            raise DemoFailed(f"the archiver asked a third-party host for {self.result.blocked[0]}")

    def check_stored(self) -> None:
        self.step("check what was stored")
        problems = check_archive(self.paths.archive, self.result.ids)
        if problems:
            raise DemoFailed(f"archive check failed: {problems[0]} ({len(problems)} problem(s))")
        self.say("every article: right title and language, its images stored locally, no script, "
                 "no third-party host, no cookie banner / comments / newsletter / footer text")

    def cli_steps(self) -> None:
        p = self.paths
        ids = [self.result.ids[s.path] for s in SAMPLES]
        write_private(p.passphrase, passphrase() + "\n")
        arch, copy = ["--archive", str(p.archive)], ["--archive", str(p.copy), "--unlock", str(p.identity)]
        pw = ["--passphrase-file", str(p.passphrase)]

        self.cli_step("keygen --signing", "the sender makes a signing key; recipients will trust its public half",
                      ["keygen", "--signing", "-o", str(p.signing_key)], self.after_signing_key)
        sign = ["--sign-key", str(p.signing_key)]
        trust = ["--trust", str(p.signing_pub)]
        self.cli_step("keygen", "the recipient makes an age identity and sends the sender its public recipient",
                      ["keygen", "-o", str(p.identity)], self.after_identity)

        self.cli_step("pack", f"pack the articles into one encrypted bundle, for a passphrase ({p.passphrase.name})",
                      arch + ["pack", "-o", str(p.bundle), *ids, *pw, *sign], self.after_pack(p.bundle))
        self.cli_step("inspect", "inspect it as the recipient: decrypt, verify every hash and the signature, "
                      "import nothing", copy + ["inspect", str(p.bundle), *pw, *trust, "--json"],
                      self.after_inspect)
        self.cli_step("pack -r", "pack the same articles for the recipient's public key instead",
                      arch + ["pack", "-o", str(p.key_bundle), *ids, "-r", self.recipient, *sign],
                      self.after_pack(p.key_bundle))
        self.step("the recipient makes their own encrypted archive, sealed to their identity")
        self.invoke("init", ["--archive", str(p.copy), "init", "-r", self.recipient])
        self.tamper_step(p.key_bundle, ["-i", str(p.identity), "--unlock", str(p.identity)])
        self.cli_step("unpack", f"the recipient unpacks it with their identity  ->  {p.copy}",
                      copy + ["unpack", str(p.key_bundle), "-i", str(p.identity), *trust, "--json"],
                      self.after_unpack)
        self.cli_step("pack --format html", "pack a self-decrypting HTML bundle, for readers without mirror",
                      arch + ["pack", "-o", str(p.html_bundle), "--format", "html", *ids, *pw],
                      self.after_pack(p.html_bundle, "a page that decrypts itself in the browser, offline"))
        self.cli_step("export-site", f"export the offline reader site  ->  {p.site}",
                      copy + ["export-site", str(p.site), *ids], self.after_export)
        self.step("lock the archive: the session ends and the key is gone from memory")
        self.invoke("lock", arch + ["lock"])
        try:
            self.runner(arch + ["ls"])
        except VerificationError as e:
            self.say(f"now `mirror ls` is refused (exit {e.exit_code}): {e}")
        else:
            raise DemoFailed("the archive could still be read after `mirror lock`")

    def invoke(self, name: str, args: list[str]) -> tuple[str, str]:
        """Run one command, echoing it and its stderr report."""
        self.say(shown(args))
        try:
            out, err = self.runner(args)
        except MirrorError as e:
            raise DemoFailed(f"{name} failed: {e}") from None
        for line in err.splitlines():  # the command's own report (stdout is parsed by the caller)
            self.say("  " + line)
        return out, err

    def cli_step(self, name: str, title: str, args: list[str], after: Callable[[str], None]) -> None:
        self.step(title)
        t = time.monotonic()
        out, _ = self.invoke(name, args)
        after(out)
        self.say(f"took {time.monotonic() - t:.2f} s")

    def tamper_step(self, bundle: Path, key: list[str]) -> None:
        """Flip one byte of the payload: the bundle must be refused, nothing imported."""
        self.step("an attacker changes one byte of the bundle on the way")
        bad = self.paths.out / ("tampered-" + bundle.name)
        data = bytearray(bundle.read_bytes())
        data[len(data) * 2 // 3] ^= 0x01
        bad.write_bytes(bytes(data))
        args = ["--archive", str(self.paths.copy), "unpack", str(bad), *key]
        self.say(shown(args))
        try:
            self.runner(args)
        except VerificationError as e:
            self.say(f"refused (exit {e.exit_code}): {e}")
        except MirrorError as e:
            raise DemoFailed(f"a tampered bundle failed with the wrong kind of error: {e}") from None
        else:
            raise DemoFailed("a bundle with one byte changed was accepted")
        finally:
            bad.unlink()

    # -- what each CLI step showed -------------------------------------------------------

    def after_signing_key(self, out: str) -> None:
        pub = next((ln.split(":", 1)[1].strip() for ln in out.splitlines() if ln.startswith("Public key:")), "")
        if not pub:
            raise DemoFailed("keygen --signing printed no public key")
        self.paths.signing_pub.write_text(pub + "\n", "utf-8")
        self.say(f"secret: {self.paths.signing_key}; public: {self.paths.signing_pub}")

    def after_identity(self, out: str) -> None:
        self.recipient = out.strip().splitlines()[-1] if out.strip() else ""
        if not self.recipient.startswith("age1"):
            raise DemoFailed(f"keygen printed no age recipient: {out.strip()[:60]!r}")
        self.say(f"identity: {self.paths.identity}; recipient: {self.recipient}")

    def after_pack(self, bundle: Path, what: str = "") -> Callable[[str], None]:
        def show(_out: str) -> None:
            data = bundle.read_bytes()
            leaks = [s.title for s in SAMPLES if s.title.encode() in data] + \
                    [s.host for s in SAMPLES if s.host.encode() in data] + \
                    [m for m in maker_marks(self.paths) if m.encode() in data]
            if leaks:
                raise DemoFailed(f"{bundle.name} shows {leaks[0]!r} in the clear")
            kind = what or f"an age v1 file ({data.splitlines()[0][:30].decode('ascii', 'replace')!r})"
            self.say(f"{bundle}: {len(data)} bytes, {kind}; no title, site or maker in the clear")
        return show

    def after_inspect(self, out: str) -> None:
        data = _json(out, "inspect")
        items = data.get("articles", []) if isinstance(data, dict) else []
        if len(items) != len(SAMPLES):
            raise DemoFailed(f"inspect listed {len(items)} articles, expected {len(SAMPLES)}")
        for a in items:
            self.say(f"{a.get('id')}  {a.get('status', ''):11}  {a.get('title')}")
        self.say(f"signature: {data.get('signature')}")

    def after_unpack(self, _out: str) -> None:
        from mirror.store import Archive, Unlock

        with Archive.open(self.paths.copy, Unlock(file=str(self.paths.identity))) as ar:
            listed = ar.list()
        missing = set(self.result.ids.values()) - {s.id for s in listed}
        if missing:
            raise DemoFailed(f"unpack did not import {sorted(missing)[0]}")
        versions = sum(s.versions for s in listed)
        self.say(f"imported {len(listed)} articles ({versions} versions); same ids as in the sender's archive")

    def after_export(self, _out: str) -> None:
        problems = check_site(self.paths.site)
        if problems:
            raise DemoFailed(f"exported site check failed: {problems[0]}")
        n = len(list(self.paths.site.rglob("*.html")))
        self.say(f"{n} pages, each with a Content-Security-Policy that blocks all network access")

    def where(self) -> None:
        p = self.paths
        self.echo("\nwhere to look:")
        rows = [("archive", p.archive), ("its key", p.archive_key), ("passphrase", p.passphrase), ("signing key", p.signing_key),
                ("its public", p.signing_pub), ("identity", p.identity), ("bundle", p.bundle),
                ("for the key", p.key_bundle), ("html bundle", p.html_bundle), ("received", p.copy),
                ("request log", p.server_log), ("open this", (p.site / "index.html").as_uri())]
        for label, value in rows:
            self.echo(f"  {label:12} {value}")
        self.echo(f"  try:         mirror --archive {p.archive} --unlock {p.archive_key} ls")
        self.echo(f"               age -d -o payload.zip {p.bundle}   (type the passphrase; then unzip, open index.html)")
        self.echo(f"               open {p.html_bundle.as_uri()} in a browser, offline, and type the passphrase")
        self.echo(f"demo finished in {self.result.seconds:.1f} s")


def _json(text: str, what: str) -> JSON:
    try:
        return json.loads(text)
    except ValueError:
        raise DemoFailed(f"{what} --json printed something that is not JSON") from None


def run(cfg: Config, echo: Echo, runner: Runner, out: str | None = None, archive: str | None = None,
        clean: bool = False) -> Result:
    """Run the demo, its CLI steps through `runner`; with `clean`, remove the
    output directory afterwards."""
    demo = Demo(cfg, echo, runner, out, archive)
    saved = os.environ.pop("MIRROR_UNLOCK", None)  # the demo's archives have keys of their own
    try:
        return demo.run()
    finally:
        if saved is not None:
            os.environ["MIRROR_UNLOCK"] = saved
        if clean:
            shutil.rmtree(demo.paths.out, ignore_errors=True)
            echo(f"removed {demo.paths.out} (--clean)")
