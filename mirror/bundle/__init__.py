"""Bundles: deterministic, padded, optionally signed ZIP payloads in age files.

One module per job: `layout` (names, article.json), `zipwriter`, `padding`,
`manifest`, `signing`, `site` (static-site pages), `pack`, `verify`,
`unpack` (decrypt, check, import), `passphrase`, `keyfiles` (reading key and passphrase files),
`stream` (file adapters).
"""
