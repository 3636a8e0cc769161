"""`mirror demo`: the whole pipeline on built-in sample news sites, offline.

`samples` (the catalogue) and `pages/` (the hostile sample sites, package
data), `server` (the local site server and proxy that logs every request),
`capture` (archiving through the real pipeline, confined to the samples),
`invoke` (how CLI steps run: a Runner the CLI hands in), `checks`, `run` (the steps), `imagegen`
(how the sample pictures were drawn).
"""
