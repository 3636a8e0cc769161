"""mirror: archive news articles offline and pass them on as encrypted bundles."""

__version__ = "0.1.0"
