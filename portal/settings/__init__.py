"""One settings package: ``base`` for local work and tests, ``production`` on servers."""
