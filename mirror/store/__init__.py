"""The local archive: a catalogue (SQLite or SQLCipher), a blob store
(plain or sealed), key slots and unlocked sessions. `Archive` is the entry
point; the modules below it each do one job:

    archive    the facade: open/create, layouts, lock, save, read
    catalogue  the rows (articles, versions, assets, FTS, feeds)
    blobs      content-named files, written crash-safely
    sealing    keys derived from the master key, sealed blobs, sealed temp files
    slots      the master key wrapped in age files (passphrase, recipients)
    unlock     where the key comes from (file, session, prompt)
    agent      the unlocked session process
    convert    plaintext -> encrypted, crash-safely
    importer   the one way an import (unpack) stores blobs and captures
    orphans    what a killed import stored and never committed
"""

from mirror.model import SaveResult
from mirror.store.archive import DB_NAME, Archive, NewKeys, kind
from mirror.store.blobs import BlobBatch
from mirror.store.unlock import Unlock

__all__ = ["Archive", "BlobBatch", "DB_NAME", "NewKeys", "SaveResult", "Unlock", "kind"]
