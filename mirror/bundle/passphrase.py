"""Passphrases that are easy to read aloud and hard to guess.

7 groups of 2 syllables; a syllable is one of 16 consonants and 4 vowels
(64 choices, 6 bits), so a group is 12 bits and the passphrase 84 bits,
drawn with `secrets`. Letters that sound alike when spoken (c/k/q, e/i) are
left out. Example: "bato-kimu-...".
"""

from __future__ import annotations

import math
import secrets

CONSONANTS = "bdfghjklmnprstvz"
VOWELS = "aiou"
GROUPS = 7
SYLLABLES_PER_GROUP = 2


def entropy_bits() -> float:
    return GROUPS * SYLLABLES_PER_GROUP * math.log2(len(CONSONANTS) * len(VOWELS))


def generate() -> str:
    def syllable() -> str:
        return secrets.choice(CONSONANTS) + secrets.choice(VOWELS)

    return "-".join("".join(syllable() for _ in range(SYLLABLES_PER_GROUP)) for _ in range(GROUPS))
