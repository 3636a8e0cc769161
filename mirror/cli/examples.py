"""One or two examples for every command's --help, kept in one table so that
a test can check each command has them and that each one parses."""

from __future__ import annotations

import click

EXAMPLES: dict[str, tuple[str, ...]] = {
    "add": ("mirror add https://news.example/2026/05/flood  # one article",
            "mirror add --from-file urls.txt --jobs 8 --json > results.jsonl"),
    "clean-url": ("mirror clean-url 'https://news.example/a?utm_source=x&fbclid=1'",),
    "demo": ("mirror demo --out /tmp/mirror-demo",),
    "encrypt": ("mirror encrypt                # asks for a passphrase",
                "mirror encrypt -r age1...     # to an age recipient"),
    "export-epub": ("mirror export-epub week.epub --since 2026-05-01",),
    "export-site": ("mirror export-site site/ --all --lang en",),
    "extract": ("mirror extract saved.html --url https://news.example/a",
                "curl -s https://news.example/a | mirror extract - --json"),
    "feeds": ("mirror feeds --json",),
    "follow": ("mirror follow https://news.example/rss.xml --tor",),
    "gc": ("mirror rm 3f2a9c1d && mirror gc",),
    "import-html": ("mirror import-html ~/Downloads/story.html",
                    "mirror import-html page.html --url https://news.example/a"),
    "init": ("mirror init                          # asks for a passphrase",
             "mirror init -r age1... --passphrase-file pass.txt"),
    "inspect": ("mirror inspect week.age -i me.key --trust friend.pub",),
    "key": ("mirror key list", "mirror key add -r age1..."),
    "key list": ("mirror key list --json",),
    "key add": ("mirror key add --passphrase-file new-pass.txt", "mirror key add -r age1..."),
    "key remove": ("mirror key remove 2",),
    "key erase": ("mirror key erase --yes           # the archive is noise from then on",),
    "keygen": ("mirror keygen -o me.key          # prints the recipient (age1...)",
               "mirror keygen --signing -o sign.key   # writes sign.key.pub too"),
    "lock": ("mirror lock",),
    "ls": ("mirror ls", "mirror ls --json"),
    "pack": ("mirror pack --all -r age1... -o week.age",
             "mirror pack --since 2026-05-01 --format html -o week.html  # asks for a passphrase"),
    "reextract": ("mirror reextract --all",),
    "rm": ("mirror rm 3f2a9c1d",),
    "search": ("mirror search 'flood AND bridge'",),
    "show": ("mirror show 3f2a9c1d", "mirror show 3f2a9c1d --format html > story.html"),
    "unfollow": ("mirror unfollow https://news.example/rss.xml",),
    "unlock": ("mirror unlock --for 60    # minutes",),
    "unpack": ("mirror unpack week.age -i me.key --trust friend.pub",
               "mirror unpack - -i me.key < week.age"),
    "update": ("mirror update --per-feed 10",),
    "verify": ("mirror verify /media/stick -i me.key",
               "mirror verify week.age week.html --passphrase-file pass.txt --json"),
}


def add_examples(cmd: click.Command, path: str) -> None:
    """Append `path`'s examples to `cmd`'s help, kept verbatim (click's \\b),
    then those of its subcommands."""
    import inspect

    lines = EXAMPLES[path]
    cmd.help = inspect.cleandoc(cmd.help or "") + "\n\n\b\nExamples:\n" + "\n".join(f"  {x}" for x in lines)
    if isinstance(cmd, click.Group):
        for name, sub in cmd.commands.items():
            add_examples(sub, f"{path} {name}")
