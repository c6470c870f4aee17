"""One module per provider; each holds its Provider (refs, credentials, generated call) and its two clients."""

__all__: list[str] = []
