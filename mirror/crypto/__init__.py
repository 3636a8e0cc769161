"""Cryptography for mirror: `mirror.crypto.age` implements the age v1 file format."""
